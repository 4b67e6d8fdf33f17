"""The environments of a link by name, from the facts of a validation round."""
from domain import facts as F
from domain.environments import describe_environments
from domain.request import LinkRequest

REQUEST = LinkRequest(1234567, "a98e06c0-b563-411f-9431-23b5ed5c93ed", "fc384085-a8b1-4b50-926a-e95c355a7195",
                      "admin@contoso.onmicrosoft.com", "operator", "P3D")
TARGET = F.TargetEnvironmentFacts(
    id=REQUEST.powerPlatformEnvironmentId, display_name="Contoso Finance UAT", tenant_id="t", geography="unitedstates",
    azure_region=None, has_dataverse=True, instance_url="https://contoso-uat.crm.dynamics.com/", instance_state="Ready",
    management_state=None, runtime_state=None)
LCS = F.LcsEnvironmentFacts(found=True, project_id=1234567, environment_id=REQUEST.lcsEnvironmentId,
                            signed_in_upn=None, signed_in_tenant_id=None, name="CONTOSO-UAT")
LINKS = F.LcsLinksFacts((F.EnvironmentRef("750624cc-6ea7-4181-889c-03048fc5b47b", "CONTOSO-UAT (initial)"),))


def test_names_urls_and_admin_pages_come_from_the_facts():
    described = describe_environments(REQUEST, F.Facts([
        F.FactResult(F.TARGET, TARGET), F.FactResult(F.LCS_ENVIRONMENT, LCS), F.FactResult(F.LCS_LINKS, LINKS)]))
    assert described["target"] == {
        "id": TARGET.id, "displayName": "Contoso Finance UAT", "dataverseUrl": "https://contoso-uat.crm.dynamics.com/",
        "adminUrl": f"https://admin.powerplatform.microsoft.com/environments/{TARGET.id}/hub"}
    assert described["financeAndOperations"] == {
        "id": REQUEST.lcsEnvironmentId, "name": "CONTOSO-UAT", "projectId": 1234567,
        "lcsUrl": f"https://lcs.dynamics.com/V2/EnvironmentDetailsV3New/1234567?EnvironmentId={REQUEST.lcsEnvironmentId}"}
    assert described["initial"]["displayName"] == "CONTOSO-UAT (initial)"
    assert described["initial"]["adminUrl"].endswith("/environments/750624cc-6ea7-4181-889c-03048fc5b47b/hub")


def test_a_round_without_a_fact_keeps_what_an_earlier_round_found():
    first = describe_environments(REQUEST, F.Facts([F.FactResult(F.TARGET, TARGET), F.FactResult(F.LCS_ENVIRONMENT, LCS)]))
    again = describe_environments(REQUEST, F.Facts([F.FactResult(F.CAPACITY, skipped="not asked")]), first)
    assert again == first


def test_unreadable_facts_still_give_ids_and_admin_pages():
    error = F.FactError("bap", "get environment", "down")
    described = describe_environments(REQUEST, F.Facts([F.FactResult(F.TARGET, error=error)]))
    assert described["target"]["displayName"] is None and described["target"]["id"] == REQUEST.powerPlatformEnvironmentId
    assert described["financeAndOperations"]["name"] is None
    assert described["financeAndOperations"]["lcsUrl"].endswith(f"EnvironmentId={REQUEST.lcsEnvironmentId}")
    assert described["initial"] is None
