"""Fact activities map service answers to facts, and service failures to fact errors."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import activities.fetchers as facts
from domain import facts as F
from services import models as M
from services.errors import PermissionDenied, TokenUnavailable
from tests.activities.fakes import FINANCE_PLAN, LCS_ENV, OTHER, TARGET, FakeClients, environment

REQUEST = {"lcsProjectId": 1234567, "lcsEnvironmentId": LCS_ENV, "powerPlatformEnvironmentId": TARGET,
           "operator": "admin@contoso.onmicrosoft.com", "setupMode": "operator", "confirmationTimeout": "P3D"}


@dataclass
class FakeLcsMetadata:
    answer: object = None

    def signed_in_account(self):
        return M.LcsAccount("admin@contoso.onmicrosoft.com", "t1", "oid")

    def get_environment(self, project_id, environment_id):
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.fixture
def fake(monkeypatch) -> FakeClients:
    clients = FakeClients()
    monkeypatch.setattr(facts, "clients", lambda: clients)
    return clients


def run(name, payload=None) -> F.FactResult:
    return F.FactResult.from_json(facts.gather_fact(name, payload or {"request": REQUEST}))


def test_lcs_access_denied_is_a_business_answer_not_an_error(fake):
    fake.lcs_client = FakeLcsMetadata(PermissionDenied("lcs", "get_environment", 403, None, "not a member"))
    result = run(F.LCS_ENVIRONMENT)
    assert result.error is None and result.value.access_denied and not result.value.found


def test_lcs_environment_is_mapped(fake):
    fake.lcs_client = FakeLcsMetadata(M.LcsEnvironment(LCS_ENV, "Sandbox1", 1234567, "Sandbox", "Finished",
                                                       "Deployed", "East US", None, "Finance and Operations"))
    value = run(F.LCS_ENVIRONMENT).value
    assert value.found and value.region == "East US" and value.signed_in_tenant_id == "t1"


def test_no_lcs_sign_in_becomes_an_error_with_the_remedy(fake):
    class NoToken(FakeLcsMetadata):
        def signed_in_account(self):
            raise TokenUnavailable("lcs", "no cached account", "Run python -m cli login --account admin@contoso.onmicrosoft.com")
    fake.lcs_client = NoToken()
    result = run(F.LCS_ENVIRONMENT)
    assert result.value is None and result.error.remedy.startswith("Run python -m cli login")


def test_lcs_links_are_the_environments_pointing_at_the_lcs_environment(fake):
    placeholder = environment(id="22222222-2222-2222-2222-222222222222", display_name="Initial", has_dataverse=False,
                              linked_app=M.LinkedApp("Linked", LCS_ENV.replace("-", "").upper(), None))
    unrelated = environment(id=OTHER, linked_app=M.LinkedApp("Linked", OTHER, None))
    fake.bap.others = [placeholder, unrelated]
    value = run(F.LCS_LINKS).value
    assert value.environments == (F.EnvironmentRef(placeholder.id, "Initial", False),)


def test_target_environment_facts(fake):
    fake.bap.target = environment(linked_app=M.LinkedApp(None, None, None))
    value = run(F.TARGET).value
    assert value.has_dataverse and value.templates == ("D365_FinOps_Finance",) and value.linked_app is None


def test_target_carries_bap_locations_as_a_second_source(fake):
    assert run(F.TARGET).value.geography_azure_regions == ("eastus", "westus")
    fake.bap.locations = PermissionDenied("bap", "list_locations", 403, "Forbidden", "no")
    assert run(F.TARGET).value.geography_azure_regions == ()  # the table alone decides then


def test_operator_licenses_carry_plans_and_disabled_plans(fake):
    fake.graph.disabled_plans = (FINANCE_PLAN,)
    fake.graph.roles = M.DirectoryRoles((M.DirectoryRole("62e90394-69f5-4237-9190-012177145e10", "Global Administrator"),), 2)
    value = run(F.OPERATOR).value
    (lic,) = value.licenses
    assert lic.sku_part_number == "DYN365_FINANCE" and lic.disabled_plans == (FINANCE_PLAN,)
    assert lic.capability_status == "Suspended"
    # only the finance and operations plan is kept (Exchange Foundation is dropped)
    assert lic.service_plans == (F.ServicePlanRef(FINANCE_PLAN, "D365_Finance", "Success"),)
    assert value.directory_roles_limited == 2 and len(value.directory_roles) == 1


def test_a_refused_graph_call_names_the_missing_permission(fake):
    fake.graph.refuse = PermissionDenied("graph", "get_user", 403, "Authorization_RequestDenied",
                                         "Insufficient privileges to complete the operation.")
    error = run(F.OPERATOR).error
    assert error.status == 403 and "User.Read.All" in error.remedy and "appRoleAssignments" in error.remedy


def test_dataverse_integration_not_linked(fake):
    value = run(F.DATAVERSE_INTEGRATION, {"request": REQUEST, "instanceUrl": "https://x.crm.dynamics.com"}).value
    assert value == F.DataverseIntegrationFacts(linked=False)
