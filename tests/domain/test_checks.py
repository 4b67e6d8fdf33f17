"""The ten checks as pure functions of facts: each outcome, with its evidence and remedy."""

from dataclasses import replace

import pytest

from domain import facts as F
from domain.checks import CHECKS, run_checks, validation_passed
from domain.directory import DATAVERSE_SYSTEM_ADMINISTRATOR_TEMPLATE, POWER_PLATFORM_ADMINISTRATOR
from domain.request import LinkRequest

TENANT = "3f5e2c1a-8b7d-4e6f-9a0b-1c2d3e4f5a6b"
LCS_ENV = "d15ed3a8-c2c1-4054-840b-946c93915da9"
TARGET_ID = "00000000-0000-0000-0000-000000000001"
REQUEST = LinkRequest(1234567, LCS_ENV, TARGET_ID, "admin@contoso.onmicrosoft.com", "operator", "P3D")

HAPPY = {
    F.OPERATOR: F.OperatorFacts("11111111-1111-1111-1111-111111111111", "admin@contoso.onmicrosoft.com",
                                "Adele Vance", "Member", TENANT, (), (F.LicenseRef(
                                    "55c9eb4e-c746-45b4-b255-9ab6b19d5c62", "DYN365_FINANCE", (F.ServicePlanRef(
                                        "9f0e1b4e-9b33-4300-b451-b2c662cd4ff7", "D365_Finance", "Success"),)),)),
    F.TARGET: F.TargetEnvironmentFacts(TARGET_ID, "Contoso ops", TENANT, "unitedstates", "eastus", True,
                                       "https://contoso.crm.dynamics.com", "Ready", "Ready", "Enabled",
                                       ("D365_FinOps_Finance",), None),
    F.TENANT_SETTINGS: F.TenantSettingsFacts(False),
    F.CAPACITY: F.CapacityFacts(20480.0, 3150.9, "Available"),
    F.LCS_ENVIRONMENT: F.LcsEnvironmentFacts(True, 1234567, LCS_ENV, "admin@contoso.onmicrosoft.com", TENANT,
                                             name="Sandbox1", environment_type="Sandbox", deployment_state="Finished",
                                             deployment_status="Deployed", region="East US"),
    F.LCS_LINKS: F.LcsLinksFacts((F.EnvironmentRef("22222222-2222-2222-2222-222222222222", "Initial env", False),)),
    F.DATAVERSE_ROLES: F.DataverseRolesFacts(True, False, (F.SecurityRoleRef("System Administrator",
                                                                             DATAVERSE_SYSTEM_ADMINISTRATOR_TEMPLATE),)),
    F.DATAVERSE_INTEGRATION: F.DataverseIntegrationFacts(False),
}


def outcomes(changes=None, request=REQUEST, results=None) -> dict[str, tuple[str, str]]:
    values = {**HAPPY, **(changes or {})}
    facts = F.Facts([F.FactResult(name, value=value) for name, value in values.items()] + (results or []))
    return {r.id: (r.outcome, r.detail) for r in run_checks(request, facts)}


def test_all_ten_pass_on_happy_facts():
    result = outcomes()
    assert len(result) == 10 and len(CHECKS) == 10
    assert {o for o, _ in result.values()} == {"passed"}, result


def with_(name, **changes):
    return {name: replace(HAPPY[name], **changes)}


@pytest.mark.parametrize("check_id, changes, outcome, words", [
    ("dataverse-capacity", with_(F.CAPACITY, database_used_mb=20000.0), "failed", "0.47 GB"),
    ("dataverse-capacity", with_(F.CAPACITY, database_used_mb=19456.0), "passed", "1.0 GB"),
    ("dataverse-capacity", with_(F.CAPACITY, status="Overage"), "failed", "reports the database capacity as Overage"),
    ("dataverse-capacity", with_(F.CAPACITY, status=None), "passed", "GB of Dataverse database capacity is free"),
    ("environment-creation-policy", with_(F.TENANT_SETTINGS, non_admin_environment_creation_disabled=True),
     "failed", "holds none"),
    ("environment-creation-policy", {**with_(F.TENANT_SETTINGS, non_admin_environment_creation_disabled=True),
                                     **with_(F.OPERATOR, directory_roles=(F.RoleRef(POWER_PLATFORM_ADMINISTRATOR.upper(),
                                                                                     "Power Platform Administrator"),))},
     "passed", "Power Platform Administrator"),
    ("operator-license", with_(F.OPERATOR, licenses=(F.LicenseRef("c7df2760-2c81-4ef7-b578-5b5392b571df"),)),
     "failed", "holds no enabled"),
    ("environment-creation-policy", {**with_(F.TENANT_SETTINGS, non_admin_environment_creation_disabled=True),
                                     **with_(F.OPERATOR, directory_roles_limited=1)},
     "error", "limited information"),
    ("same-geography", with_(F.TARGET, geography="europe"), "failed", "Europe geography"),
    ("same-geography", with_(F.LCS_ENVIRONMENT, region="Atlantis West"), "error", "in neither the known table"),
    ("same-geography", {**with_(F.LCS_ENVIRONMENT, region="Atlantis West"),
                        **with_(F.TARGET, geography_azure_regions=("atlantiswest",))}, "passed", "BAP lists it"),
    ("same-geography", with_(F.TARGET, geography="atlantis"), "error", "geography 'atlantis'"),
    ("dataverse-ready", with_(F.TARGET, has_dataverse=False, instance_url=None), "failed", "no Dataverse"),
    ("dataverse-ready", with_(F.TARGET, templates=()), "failed", "without Dynamics 365 apps"),
    ("dataverse-ready", with_(F.TARGET, instance_state="Provisioning"), "failed", "not ready"),
    ("dataverse-ready", with_(F.TARGET, runtime_state="AdminMode"), "warning", "AdminMode"),
    ("dataverse-system-administrator", with_(F.DATAVERSE_ROLES, roles=(F.SecurityRoleRef("Basic User", "x"),)),
     "failed", "does not hold"),
    ("dataverse-system-administrator", with_(F.DATAVERSE_ROLES, system_user_found=False), "failed", "not a user"),
    ("dataverse-system-administrator",
     with_(F.DATAVERSE_ROLES, roles=(F.SecurityRoleRef("System Administrator", DATAVERSE_SYSTEM_ADMINISTRATOR_TEMPLATE,
                                                       "Ops admins"),)), "passed", "through team Ops admins"),
    ("lcs-project-access", with_(F.LCS_ENVIRONMENT, found=False, access_denied=True), "failed", "may not read"),
    ("lcs-project-access", with_(F.LCS_ENVIRONMENT, found=False), "failed", "has no environment"),
    ("lcs-project-access", with_(F.LCS_ENVIRONMENT, signed_in_upn="someone@contoso.onmicrosoft.com"), "failed",
     "signed in as someone"),
    ("lcs-project-access", with_(F.LCS_ENVIRONMENT, environment_type="DevTestDev"), "failed", "only sandbox and production"),
    ("lcs-project-access", with_(F.LCS_ENVIRONMENT, deployment_status="Failed"), "failed", "not deployed"),
    ("same-tenant", with_(F.TARGET, tenant_id="99999999-9999-9999-9999-999999999999"), "failed", "not all in one tenant"),
    ("same-tenant", with_(F.OPERATOR, user_type="Guest"), "failed", "guest"),
    ("target-not-linked", with_(F.TARGET, linked_app=F.LinkedApp("Linked", "33333333-3333-3333-3333-333333333333")),
     "failed", "already linked to finance and operations environment 3333"),
    ("target-not-linked", with_(F.DATAVERSE_INTEGRATION, linked=True, environment_id="33333333-3333-3333-3333-333333333333"),
     "failed", "already linked"),
    ("target-not-linked", with_(F.TARGET, linked_app=F.LinkedApp("Linked", LCS_ENV.replace("-", "").upper())),
     "failed", "nothing to set up"),
    ("source-not-linked", with_(F.LCS_LINKS, environments=(F.EnvironmentRef("44444444-4444-4444-4444-444444444444",
                                                                            "Other DV", True),)), "failed", "Other DV"),
    ("source-not-linked", with_(F.LCS_LINKS, environments=()), "passed", "not linked to any"),
])
def test_each_check_outcome(check_id, changes, outcome, words):
    got, detail = outcomes(changes)[check_id]
    assert got == outcome and words in detail, detail


def test_lcs_integration_state_blocks_in_lcs_api_mode():
    request = replace(REQUEST, setupMode="lcs-api")
    in_progress = F.FactResult(F.LCS_INTEGRATION, value=F.LcsIntegrationFacts("SetupInProgress", TARGET_ID))
    assert outcomes(request=request, results=[in_progress])["source-not-linked"][0] == "failed"
    not_configured = F.FactResult(F.LCS_INTEGRATION, value=F.LcsIntegrationFacts("NotConfigured"))
    assert outcomes(request=request, results=[not_configured])["source-not-linked"][0] == "passed"


def test_a_fact_that_could_not_be_fetched_errors_only_the_checks_that_need_it():
    values = {k: v for k, v in HAPPY.items() if k != F.CAPACITY}
    down = F.FactResult(F.CAPACITY, error=F.FactError("powerplatform", "get_tenant_capacity", "Service Unavailable", 503))
    results = run_checks(REQUEST, F.Facts([F.FactResult(n, value=v) for n, v in values.items()] + [down]))
    by_id = {r.id: r for r in results}
    assert by_id["dataverse-capacity"].outcome == "error"
    assert "HTTP 503" in by_id["dataverse-capacity"].detail
    assert [r.id for r in results if r.outcome != "passed"] == ["dataverse-capacity"]
    assert not validation_passed(results)


def test_an_error_carries_the_service_remedy():
    values = {k: v for k, v in HAPPY.items() if k != F.LCS_ENVIRONMENT}
    no_token = F.FactResult(F.LCS_ENVIRONMENT, error=F.FactError("lcs", "acquire token", "no cached sign-in",
                                                                 remedy="Run python -m cli login"))
    results = run_checks(REQUEST, F.Facts([F.FactResult(n, value=v) for n, v in values.items()] + [no_token]))
    lcs_checks = [r for r in results if r.outcome == "error"]
    assert {r.id for r in lcs_checks} == {"lcs-project-access", "same-geography", "same-tenant"}
    assert all(r.remediation == "Run python -m cli login" for r in lcs_checks)


def test_a_skipped_fact_fails_the_check_with_its_reason():
    values = {k: v for k, v in HAPPY.items() if k != F.DATAVERSE_ROLES}
    skipped = F.FactResult(F.DATAVERSE_ROLES, skipped="the target environment has no Dataverse database")
    results = run_checks(REQUEST, F.Facts([F.FactResult(n, value=v) for n, v in values.items()] + [skipped]))
    sysadmin = next(r for r in results if r.id == "dataverse-system-administrator")
    assert sysadmin.outcome == "failed" and "no Dataverse" in sysadmin.detail


def test_warnings_do_not_block():
    assert validation_passed(run_checks(REQUEST, F.Facts([F.FactResult(n, value=v) for n, v in {
        **HAPPY, **with_(F.TARGET, runtime_state="AdminMode")}.items()])))


def test_facts_round_trip_through_json():
    facts = F.Facts([F.FactResult(n, value=v) for n, v in HAPPY.items()])
    again = F.Facts.from_json(facts.to_json())
    assert again.value(F.OPERATOR) == HAPPY[F.OPERATOR]
    assert again.value(F.DATAVERSE_ROLES) == HAPPY[F.DATAVERSE_ROLES]
