"""Each permission the app lacks, end to end on devhost: the sandbox refuses like the service does,
and the checks that depend on it say `error`, naming the missing permission and how to grant it.
Also the tenant shapes the sandbox can express: directory roles with limited information, license
details (disabled or pending plans, bundles, a suspended subscription), capacity entries, Retry-After dates."""

from __future__ import annotations

import pytest

from domain.permissions import BY_KEY
from tests.e2e.support import INSTANCE

pytestmark = pytest.mark.e2e

APP = "70ba156e-3ffc-4eed-b6f2-8c65b8079aa8"
ROLES = ["User.Read.All", "RoleManagement.Read.Directory", "Organization.Read.All"]
OPERATOR = "admin@contoso.onmicrosoft.com"
OPERATOR_CHECKS = {"environment-creation-policy", "operator-license", "same-tenant", "dataverse-system-administrator"}
MANAGEMENT_CHECKS = {"dataverse-capacity", "environment-creation-policy", "same-geography", "dataverse-ready",
                     "same-tenant", "target-not-linked", "source-not-linked", "dataverse-system-administrator"}


def without(role):
    return {"extends": "happy-path", "applications": {APP: {"roles": [r for r in ROLES if r != role]}}}


def validated(driver, scenario):
    driver.reset(scenario)
    driver.host.hold_clock()  # a run that passes waits for a confirmation: its deadline must not pass
    assert driver.start().status == 202
    status = driver.wait_phase("ValidationFailed", "AwaitingConfirmation")
    if status["phase"] == "ValidationFailed":
        driver.host.wait_for_status(INSTANCE)
    assert driver.setup_starts() == 0
    return status, {c["id"]: c for c in status["checks"]}


@pytest.mark.parametrize("scenario, erroring, words, key", [
    (without("User.Read.All"), OPERATOR_CHECKS, "User.Read.All", "graph-user-read-all"),
    (without("Organization.Read.All"), OPERATOR_CHECKS, "Organization.Read.All", "graph-organization-read-all"),
    ({"extends": "happy-path", "applications": {APP: {"powerPlatformAdmin": False}}}, MANAGEMENT_CHECKS,
     "Power Platform management application", "power-platform-management-application"),
    ({"extends": "happy-path", "applications": {APP: {"dataverseApplicationUser": False}}},
     {"dataverse-system-administrator", "target-not-linked"}, "Dataverse application user", "dataverse-application-user"),
], ids=["no-User.Read.All", "no-Organization.Read.All", "not-a-management-application", "no-application-user"])
def test_each_missing_grant_makes_its_checks_error_with_the_fix(driver, scenario, erroring, words, key):
    assert set(BY_KEY[key].checks) == erroring  # the declaration says what the run shows
    status, by_id = validated(driver, scenario)
    assert status["phase"] == "ValidationFailed"
    assert {i for i, c in by_id.items() if c["outcome"] == "error"} == erroring
    for check_id in erroring:
        assert words in by_id[check_id]["remediation"] and "HTTP 403" in by_id[check_id]["detail"], by_id[check_id]
    assert {c["outcome"] for i, c in by_id.items() if i not in erroring} == {"passed"}


def test_roles_with_limited_information_are_never_read_as_no_admin_role(driver):
    # The operator is Power Platform Administrator, but the app may not read directory roles.
    scenario = {"extends": "creation-restricted-admin-role",
                "applications": {APP: {"roles": ["User.Read.All", "Organization.Read.All"]}}}
    status, by_id = validated(driver, scenario)
    policy = by_id["environment-creation-policy"]
    assert status["phase"] == "ValidationFailed" and policy["outcome"] == "error"
    assert "limited information" in policy["detail"] and "RoleManagement.Read.Directory" in policy["remediation"]
    assert by_id["operator-license"]["outcome"] == "passed"


def test_limited_roles_do_not_matter_when_anyone_may_create_environments(driver):
    status, _ = validated(driver, without("RoleManagement.Read.Directory"))
    assert status["phase"] == "AwaitingConfirmation"


def user_licenses(*licenses):
    return {"extends": "happy-path", "users": {OPERATOR: {"licenses": list(licenses)}}}


FINANCE = {"skuId": "55c9eb4e-c746-45b4-b255-9ab6b19d5c62", "skuPartNumber": "DYN365_FINANCE",
           "servicePlans": [{"servicePlanId": "9f0e1b4e-9b33-4300-b451-b2c662cd4ff7", "servicePlanName": "D365_Finance"}]}


@pytest.mark.parametrize("scenario, outcome, words", [
    (user_licenses({**FINANCE, "disabledPlans": ["9f0e1b4e-9b33-4300-b451-b2c662cd4ff7"]}), "failed",
     "D365_Finance is disabled in the user's license (disabledPlans)"),
    (user_licenses({**FINANCE, "servicePlans": [{**FINANCE["servicePlans"][0], "provisioningStatus": "PendingActivation"}]}),
     "failed", "D365_Finance is provisioningStatus PendingActivation"),
    (user_licenses({"skuId": "6a9a6a3f-7a5e-4a2b-9d2e-3a1b2c3d4e5f", "skuPartNumber": "CONTOSO_ERP_BUNDLE",
                    "servicePlans": [{"servicePlanId": "8b21a5dc-5485-49ed-a2d4-0e772c830f6d",
                                      "servicePlanName": "D365_HR_OPS"}]}),
     "passed", "service plan D365_HR_OPS of CONTOSO_ERP_BUNDLE"),
    ({"extends": "happy-path", "tenant": {"subscriptions": {FINANCE["skuId"]: {"capabilityStatus": "Suspended"}}}},
     "failed", "the tenant's subscription to DYN365_FINANCE is Suspended"),
], ids=["disabled-plan", "pending-activation", "bundle-sku", "suspended-subscription"])
def test_license_details_decide_operator_license(driver, scenario, outcome, words):
    _, by_id = validated(driver, scenario)
    assert by_id["operator-license"]["outcome"] == outcome and words in by_id["operator-license"]["detail"]


@pytest.mark.parametrize("capacity, outcome, words", [
    ({"database": None}, "error", "Check by hand"),
    ({"database": {"status": "NotAvailable"}}, "failed", "reports the database capacity as NotAvailable"),
], ids=["no-database-entry", "not-available-with-space-left"])
def test_capacity_shapes(driver, capacity, outcome, words):
    _, by_id = validated(driver, {"extends": "happy-path", "tenant": {"capacity": capacity}})
    check = by_id["dataverse-capacity"]
    assert check["outcome"] == outcome and words in (check["detail"] + check["remediation"]), check


def test_retry_after_as_an_http_date_is_honoured(driver):
    driver.reset("happy-path")
    driver.sandbox.set_faults({"lcs": {"metadataCallsPerMinute": 0},
                               "graph": {"burst": 2, "retryAfterSeconds": 1, "retryAfterHttpDate": True}})
    driver.host.hold_clock()
    assert driver.start().status == 202
    status = driver.wait_phase("AwaitingConfirmation", "ValidationFailed")
    assert status["phase"] == "AwaitingConfirmation"
    dated = [c for c in driver.sandbox.calls() if c["service"] == "graph" and c["fault"] == "burst"]
    assert len(dated) == 2
