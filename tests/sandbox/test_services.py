"""Each service route answers with the captured payload's shape, filled with the scenario's values."""
from __future__ import annotations

BAP_ENV = "/bap/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments"


def test_bap_environment_with_dataverse_has_the_captured_shape_and_sandbox_urls(client, ids, captured, shape_gaps, server):
    token = client.app_token(ids.scopes["bap"])
    response = client.get(f"{BAP_ENV}/{ids.target_env}?api-version=2023-06-01&$expand=permissions,properties.capacity", token)
    assert response.status_code == 200
    body = response.json()
    assert shape_gaps(body, captured("environment-with-dataverse.json")) == []
    assert body["name"] == ids.target_env and body["location"] == "unitedstates"
    metadata = body["properties"]["linkedEnvironmentMetadata"]
    assert metadata["instanceUrl"] == f"{server.base_url}/dataverse/{ids.org}/"
    assert metadata["instanceApiUrl"] == f"{server.base_url}/dataverse/{ids.org}"
    assert metadata["template"] == ["D365_FinOps_Finance"]
    assert body["properties"]["states"]["management"]["id"] == "Ready"
    assert body["properties"]["tenantId"] == ids.tenant
    assert "linkedAppMetadata" not in body["properties"]


def test_bap_placeholder_environment_has_no_dataverse_and_points_at_the_lcs_environment(client, ids, captured, shape_gaps):
    token = client.app_token(ids.scopes["bap"])
    body = client.get(f"{BAP_ENV}/{ids.placeholder_env}?api-version=2023-06-01", token).json()
    expected = captured("environment-without-dataverse.json")
    del expected["properties"]["capacity"]  # only with $expand=properties.capacity
    assert shape_gaps(body, expected) == []
    assert body["properties"]["linkedEnvironmentMetadata"] is None
    assert "capacity" not in body["properties"]
    assert body["properties"]["linkedAppMetadata"] == {
        "type": "Linked", "id": ids.lcs_env, "url": "https://contoso-uat.sandbox.operations.dynamics.com/"}


def test_bap_environment_ids_match_in_any_case_and_unknown_ones_are_404(client, ids):
    token = client.app_token(ids.scopes["bap"])
    assert client.get(f"{BAP_ENV}/{ids.target_env.upper()}?api-version=2023-06-01", token).status_code == 200
    missing = client.get(f"{BAP_ENV}/00000000-0000-0000-0000-000000000009?api-version=2023-06-01", token)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "EnvironmentNotFound"


def test_bap_list_and_tenant_settings(client, ids, captured, shape_gaps):
    token = client.app_token(ids.scopes["bap"])
    listing = client.get(f"{BAP_ENV}?api-version=2023-06-01", token).json()
    assert {env["name"] for env in listing["value"]} == {ids.target_env, ids.placeholder_env}
    settings = client.post("/bap/providers/Microsoft.BusinessAppPlatform/listTenantSettings?api-version=2023-06-01", token)
    assert settings.status_code == 200
    assert shape_gaps(settings.json(), captured("list-tenant-settings.json")) == []
    assert settings.json()["disableEnvironmentCreationByNonAdminUsers"] is False


def test_bap_wants_an_api_version(client, ids):
    token = client.app_token(ids.scopes["bap"])
    response = client.get(f"{BAP_ENV}/{ids.target_env}", token)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MissingApiVersionParameter"


def test_bap_refuses_an_app_that_is_not_a_power_platform_admin_application(start_sandbox, make_client, ids):
    server = start_sandbox({"extends": "happy-path", "applications": {"70ba156e-3ffc-4eed-b6f2-8c65b8079aa8": {"powerPlatformAdmin": False}}})
    client = make_client(server)
    token = client.app_token(ids.scopes["bap"])
    response = client.post("/bap/providers/Microsoft.BusinessAppPlatform/listTenantSettings?api-version=2023-06-01", token)
    assert response.status_code == 403


def test_tenant_capacity_fills_the_captured_payload(client, ids, captured, shape_gaps):
    token = client.app_token(ids.scopes["powerplatform"])
    response = client.get("/powerplatform/licensing/tenantCapacity?api-version=2022-03-01-preview", token)
    assert response.status_code == 200
    body = response.json()
    assert shape_gaps(body, captured("tenant-capacity.json")) == []
    database = next(c for c in body["tenantCapacities"] if c["capacityType"] == "Database")
    assert database["capacityUnits"] == "MB"
    assert database["totalCapacity"] == 20480 and database["consumption"]["actual"] == 3150.945
    assert body["tenantId"] == ids.tenant


def test_capacity_scenario_leaves_less_than_a_gigabyte(start_sandbox, make_client, ids):
    client = make_client(start_sandbox("insufficient-capacity"))
    body = client.get("/powerplatform/licensing/tenantCapacity?api-version=2022-03-01-preview",
                      client.app_token(ids.scopes["powerplatform"])).json()
    database = next(c for c in body["tenantCapacities"] if c["capacityType"] == "Database")
    assert database["totalCapacity"] - database["consumption"]["actual"] < 1024


def test_graph_user_by_upn_and_by_id(client, ids, captured, shape_gaps):
    token = client.app_token(ids.scopes["graph"])
    by_upn = client.get("/graph/v1.0/users/admin%40contoso.onmicrosoft.com", token)
    assert by_upn.status_code == 200
    assert shape_gaps(by_upn.json(), captured("user_get_by_id.json")) == []
    assert by_upn.json()["id"] == ids.operator_oid and by_upn.json()["displayName"] == "Adele Vance"
    selected = client.get(f"/graph/v1.0/users/{ids.operator_oid}?$select=id,userType,assignedLicenses", token).json()
    assert set(selected) == {"@odata.context", "id", "userType", "assignedLicenses"}
    assert {"disabledPlans": [], "skuId": "55c9eb4e-c746-45b4-b255-9ab6b19d5c62"} in selected["assignedLicenses"]


def test_graph_user_filter_by_upn_and_unknown_user(client, ids):
    token = client.app_token(ids.scopes["graph"])
    found = client.get("/graph/v1.0/users?$filter=userPrincipalName eq 'ADMIN@contoso.onmicrosoft.com'&$select=id", token)
    assert [u["id"] for u in found.json()["value"]] == [ids.operator_oid]
    missing = client.get("/graph/v1.0/users/nobody%40contoso.onmicrosoft.com", token)
    assert missing.status_code == 404
    error = missing.json()["error"]
    assert error["code"] == "Request_ResourceNotFound" and "request-id" in error["innerError"]


def test_graph_license_details(client, ids):
    token = client.app_token(ids.scopes["graph"])
    body = client.get(f"/graph/v1.0/users/{ids.operator_oid}/licenseDetails", token).json()
    finance = next(item for item in body["value"] if item["skuPartNumber"] == "DYN365_FINANCE")
    assert finance["skuId"] == "55c9eb4e-c746-45b4-b255-9ab6b19d5c62"
    assert set(finance) == {"id", "skuId", "skuPartNumber", "servicePlans"}
    assert set(finance["servicePlans"][0]) == {"servicePlanId", "servicePlanName", "provisioningStatus", "appliesTo"}


def test_graph_directory_roles_need_consistency_level_for_count(client, ids, captured, shape_gaps):
    token = client.app_token(ids.scopes["graph"])
    path = f"/graph/v1.0/users/{ids.operator_oid}/transitiveMemberOf/microsoft.graph.directoryRole?$count=true"
    assert client.get(path, token).status_code == 400
    body = client.get(path, token, headers={"ConsistencyLevel": "eventual"}).json()
    assert body["@odata.count"] == 1
    role = body["value"][0]
    assert shape_gaps(role, captured("directoryroles_list.json")["value"][0]) == []
    assert role["roleTemplateId"] == "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"


def test_graph_role_assignments_and_organization(client, ids):
    token = client.app_token(ids.scopes["graph"])
    body = client.get(f"/graph/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq '{ids.operator_oid}'", token).json()
    assert [a["roleDefinitionId"] for a in body["value"]] == ["88d8e3e3-8f55-4a1e-953a-9b9898b8876b"]
    assert set(body["value"][0]) == {"id", "principalId", "resourceScope", "directoryScopeId", "roleDefinitionId"}
    organization = client.get("/graph/v1.0/organization?$select=id", token).json()
    assert organization["value"] == [{"id": ids.tenant}]


def test_dataverse_who_am_i_for_the_application_user(client, ids, captured, shape_gaps, server):
    token = client.app_token(f"{server.dataverse_org_url(ids.org)}/.default")
    response = client.get(f"/dataverse/{ids.org}/api/data/v9.2/WhoAmI", token)
    assert response.status_code == 200
    body = response.json()
    assert shape_gaps(body, captured("whoami.json")) == []
    assert body["OrganizationId"] == "ace0035b-5e48-4f3f-bb47-6ac1833691f3"
    users = client.get(f"/dataverse/{ids.org}/api/data/v9.2/systemusers?$filter=applicationid eq {server.settings()['AZURE_CLIENT_ID']}", token).json()
    assert [u["systemuserid"] for u in users["value"]] == [body["UserId"]]


def test_dataverse_system_user_roles_and_team_roles(client, ids, server):
    token = client.app_token(f"{server.dataverse_org_url(ids.org)}/.default")
    api = f"/dataverse/{ids.org}/api/data/v9.2"
    users = client.get(f"{api}/systemusers?$select=systemuserid,fullname,isdisabled&$filter=azureactivedirectoryobjectid eq {ids.operator_oid}", token)
    assert users.status_code == 200
    [user] = users.json()["value"]
    assert set(user) == {"@odata.etag", "systemuserid", "fullname", "isdisabled"}
    roles = client.get(f"{api}/systemusers({user['systemuserid']})/systemuserroles_association?$select=name,roleid,_roletemplateid_value", token).json()
    assert {r["name"]: r["_roletemplateid_value"] for r in roles["value"]} == {
        "System Administrator": "627090ff-40a3-4053-8790-584edc5be201", "Basic User": None}
    teams = client.get(f"{api}/systemusers({user['systemuserid']})/teammembership_association?$select=teamid,name", token).json()
    [team] = teams["value"]
    team_roles = client.get(f"{api}/teams({team['teamid']})/teamroles_association?$select=name", token).json()
    assert [r["name"] for r in team_roles["value"]] == ["System Customizer"]


def test_dataverse_odata_errors(client, ids, server):
    token = client.app_token(f"{server.dataverse_org_url(ids.org)}/.default")
    api = f"/dataverse/{ids.org}/api/data/v9.2"
    unknown_property = client.get(f"{api}/systemusers?$select=nosuchcolumn", token)
    assert unknown_property.status_code == 400 and "nosuchcolumn" in unknown_property.json()["error"]["message"]
    unknown_segment = client.get(f"{api}/Account", token)
    assert unknown_segment.status_code == 404 and unknown_segment.json()["error"]["code"] == "0x8006088a"
    missing_user = client.get(f"{api}/systemusers(00000000-0000-0000-0000-000000000001)/systemuserroles_association", token)
    assert missing_user.status_code == 404
    assert client.get("/dataverse/no-such-org/api/data/v9.2/WhoAmI", token).status_code == 404


def test_dataverse_integration_details_before_any_link(client, ids, server):
    token = client.app_token(f"{server.dataverse_org_url(ids.org)}/.default")
    response = client.get(f"/dataverse/{ids.org}/api/data/v9.1/RetrieveFinanceAndOperationsIntegrationDetails", token)
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "0x80048d0b", "message": "Dataverse instance isn't integrated with finance and operations."}}


def test_dataverse_integration_details_when_already_linked(start_sandbox, make_client, ids, captured):
    server = start_sandbox("target-already-linked")
    client = make_client(server)
    token = client.app_token(f"{server.dataverse_org_url(ids.org)}/.default")
    body = client.get(f"/dataverse/{ids.org}/api/data/v9.1/RetrieveFinanceAndOperationsIntegrationDetails()", token).json()
    assert set(captured("retrievefinanceandoperationsintegrationdetails.json")) <= set(body)
    assert body["Id"] == "4af475ae-ef07-4ef1-bd37-21e35eb4ecb7" and body["TenantId"] == ids.tenant


def test_dataverse_refuses_a_caller_who_is_not_a_member(start_sandbox, make_client, ids):
    server = start_sandbox({"extends": "happy-path", "applications": {"70ba156e-3ffc-4eed-b6f2-8c65b8079aa8": {"dataverseApplicationUser": False}}})
    client = make_client(server)
    token = client.app_token(f"{server.dataverse_org_url(ids.org)}/.default")
    response = client.get(f"/dataverse/{ids.org}/api/data/v9.2/WhoAmI", token)
    assert response.status_code == 403
    assert response.json()["error"] == {"code": "0x80072560", "message": "The user is not a member of the organization."}
