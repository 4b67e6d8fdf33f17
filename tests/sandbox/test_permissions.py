"""The sandbox enforces the app's permissions as the services do, and expresses real tenant shapes:
Graph 403 Authorization_RequestDenied, directory roles with limited information, BAP and the Power
Platform API refusing an unregistered app, disabled plans, absent capacity types, Retry-After dates."""
from __future__ import annotations

from email.utils import parsedate_to_datetime

import pytest

APP = "70ba156e-3ffc-4eed-b6f2-8c65b8079aa8"
FINANCE_PLAN = "9f0e1b4e-9b33-4300-b451-b2c662cd4ff7"


def with_app(**changes):
    return {"extends": "happy-path", "applications": {APP: changes}}


@pytest.mark.parametrize("roles, path, allowed", [
    (["User.Read.All"], "/graph/v1.0/users/admin@contoso.onmicrosoft.com", True),
    (["Organization.Read.All"], "/graph/v1.0/users/admin@contoso.onmicrosoft.com", False),
    (["Directory.Read.All"], "/graph/v1.0/users/admin@contoso.onmicrosoft.com/licenseDetails", True),
    (["User.Read.All"], "/graph/v1.0/organization", False),
    (["Organization.Read.All"], "/graph/v1.0/organization", True),
    (["User.Read.All"], "/graph/v1.0/directoryRoles", False),
    (["RoleManagement.Read.Directory"], "/graph/v1.0/directoryRoles", True),
])
def test_graph_checks_the_app_roles_of_each_call(start_sandbox, make_client, ids, roles, path, allowed):
    client = make_client(start_sandbox(with_app(roles=roles)))
    answer = client.get(path, client.app_token(ids.scopes["graph"]))
    if allowed:
        assert answer.status_code == 200, answer.text
    else:
        assert answer.status_code == 403
        error = answer.json()["error"]
        assert error["code"] == "Authorization_RequestDenied"
        assert error["message"] == "Insufficient privileges to complete the operation."
        assert {"date", "request-id", "client-request-id"} <= set(error["innerError"])


def test_roles_come_with_limited_information_without_a_role_permission(start_sandbox, make_client, ids):
    scenario = {**with_app(roles=["User.Read.All"]),
                "users": {"admin@contoso.onmicrosoft.com": {"directoryRoles": ["11648597-926c-4cf3-9c36-bcebb0ba8dcc"]}}}
    client = make_client(start_sandbox(scenario))
    path = f"/graph/v1.0/users/{ids.operator_oid}/transitiveMemberOf/microsoft.graph.directoryRole"
    (role,) = client.get(path, client.app_token(ids.scopes["graph"])).json()["value"]
    assert role["@odata.type"] == "#microsoft.graph.directoryRole" and role["id"]
    assert role["roleTemplateId"] is None and role["displayName"] is None


@pytest.mark.parametrize("service, path", [
    ("bap", "/bap/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2023-06-01"),
    ("powerplatform", "/powerplatform/licensing/tenantCapacity?api-version=2022-03-01-preview"),
])
def test_an_unregistered_management_application_is_refused(start_sandbox, make_client, ids, service, path):
    client = make_client(start_sandbox(with_app(powerPlatformAdmin=False)))
    answer = client.get(path, client.app_token(ids.scopes[service]))
    assert answer.status_code == 403 and "management application" in answer.json()["error"]["message"]


def test_disabled_plans_show_in_both_license_reads(start_sandbox, make_client, ids):
    scenario = {"extends": "happy-path", "users": {"admin@contoso.onmicrosoft.com": {"licenses": [{
        "skuId": "55c9eb4e-c746-45b4-b255-9ab6b19d5c62", "skuPartNumber": "DYN365_FINANCE", "disabledPlans": [FINANCE_PLAN],
        "servicePlans": [{"servicePlanId": FINANCE_PLAN, "servicePlanName": "D365_Finance"}]}]}}}
    client = make_client(start_sandbox(scenario))
    token = client.app_token(ids.scopes["graph"])
    user = client.get(f"/graph/v1.0/users/{ids.operator_oid}?$select=assignedLicenses", token).json()
    assert user["assignedLicenses"] == [{"disabledPlans": [FINANCE_PLAN], "skuId": "55c9eb4e-c746-45b4-b255-9ab6b19d5c62"}]
    details = client.get(f"/graph/v1.0/users/{ids.operator_oid}/licenseDetails", token).json()["value"]
    assert details[0]["servicePlans"][0]["provisioningStatus"] == "Disabled"


def test_subscribed_skus_list_every_held_sku_with_its_status(start_sandbox, make_client, ids):
    finance = "55c9eb4e-c746-45b4-b255-9ab6b19d5c62"
    client = make_client(start_sandbox({"extends": "happy-path",
                                        "tenant": {"subscriptions": {finance: {"capabilityStatus": "Suspended"}}}}))
    token = client.app_token(ids.scopes["graph"])
    skus = {s["skuId"]: s for s in client.get("/graph/v1.0/subscribedSkus", token).json()["value"]}
    assert skus[finance]["capabilityStatus"] == "Suspended" and skus[finance]["prepaidUnits"]["suspended"] == 1
    assert skus["c7df2760-2c81-4ef7-b578-5b5392b571df"]["capabilityStatus"] == "Enabled"
    client = make_client(start_sandbox(with_app(roles=["User.Read.All"])))
    assert client.get("/graph/v1.0/subscribedSkus", client.app_token(ids.scopes["graph"])).status_code == 403


def test_capacity_without_a_database_entry_and_with_a_status(start_sandbox, make_client, ids):
    path = "/powerplatform/licensing/tenantCapacity?api-version=2022-03-01-preview"
    client = make_client(start_sandbox({"extends": "happy-path", "tenant": {"capacity": {"database": None}}}))
    kinds = [e["capacityType"] for e in client.get(path, client.app_token(ids.scopes["powerplatform"])).json()["tenantCapacities"]]
    assert "Database" not in kinds and "File" in kinds
    client = make_client(start_sandbox({"extends": "happy-path", "tenant": {"capacity": {"database": {"status": "NotAvailable"}}}}))
    entries = client.get(path, client.app_token(ids.scopes["powerplatform"])).json()["tenantCapacities"]
    database = next(e for e in entries if e["capacityType"] == "Database")
    assert database["status"] == "NotAvailable" and database["totalCapacity"] == 20480


@pytest.mark.parametrize("faults", [{"throttleRate": 1}, {"burst": 1}, {"down": True}, {"errorRate": 1}])
def test_retry_after_as_an_http_date_on_any_fault(server, client, ids, faults):
    server.set_faults({"graph": {**faults, "retryAfterSeconds": 30, "retryAfterHttpDate": True}})
    answer = client.get(f"/graph/v1.0/users/{ids.operator_oid}", client.app_token(ids.scopes["graph"]))
    assert answer.status_code in (429, 503)
    assert parsedate_to_datetime(answer.headers["Retry-After"]).tzinfo is not None
