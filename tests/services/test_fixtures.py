"""Parsers against the real payloads in tests/fixtures/microsoft (its SOURCES.md names their origin).
Each test names the fixture it reads; test_every_fixture_is_read_by_a_test keeps it that way."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from services.bap import parse_environment, parse_tenant_settings
from services.dataverse import DataverseClient, is_not_integrated, parse_finops_integration, parse_roles
from services.errors import LcsRequestRefused, ServiceError, Throttled
from services.graph import parse_directory_roles, parse_license, parse_user
from services.http import HostAllowList, HttpPolicy
from services.lcs import check_envelope, find_environment, parse_environment as parse_lcs_environment
from services.models import AssignedLicense, DirectoryRole, LcsEnvironment, TenantCapacity
from services.application_packages import parse_operation, parse_package
from services.capacity import StorageCapacity
from services.powerplatform import parse_tenant_capacity
from domain.values import iso_utc
from tests.services.support import RecordingSleep, Reply, ScriptedServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "microsoft"


def load(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


# --- Power Platform admin (BAP) and Power Platform API -------------------------------------------

def test_environment_with_dataverse():
    env = parse_environment(load("power-platform/environment-with-dataverse.json"))
    assert env.id == "00000000-0000-0000-0000-000000000001"
    assert (env.display_name, env.geography, env.azure_region) == ("displayname", "europe", "westeurope")
    assert env.tenant_id == "123"  # the publisher's redaction, kept as text rather than rejected
    assert env.has_dataverse
    assert env.instance_url == "https://00000000-0000-0000-0000-000000000001.crm4.dynamics.com/"
    assert (env.instance_state, env.management_state, env.runtime_state) == ("Ready", "Ready", "Enabled")
    assert env.templates == () and env.linked_app is None


def test_environment_without_dataverse_is_not_fooled_by_database_type():
    payload = load("power-platform/environment-without-dataverse.json")
    assert payload["properties"]["databaseType"] == "CommonDataService"  # as published, although there is no database
    env = parse_environment(payload)
    assert not env.has_dataverse
    assert env.instance_url is None and env.instance_state is None


def test_environments_list():
    payload = load("power-platform/environments-list.json")
    envs = [parse_environment(item) for item in payload["value"]]
    assert [e.id for e in envs] == ["00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"]
    assert envs[0].display_name == "Admin AdminOnMicrosoft's Environment"
    assert envs[0].management_state == "NotSpecified"
    assert [e.has_dataverse for e in envs] == [True, False]
    assert envs[1].tenant_id == "00000000-0000-0000-0000-000000000002"


def test_linked_app_metadata_and_templates():
    # No published payload carries linkedAppMetadata; this adds it to a real one, as BAP documents it.
    payload = load("power-platform/environment-with-dataverse.json")
    payload["properties"]["linkedAppMetadata"] = {
        "type": "Linked", "id": "D15ED3A8C2C14054840B946C93915DA9", "url": "https://contoso.operations.dynamics.com"}
    payload["properties"]["linkedEnvironmentMetadata"]["template"] = ["D365_FinOps_Finance"]
    env = parse_environment(payload)
    assert env.linked_app.type == "Linked"
    assert env.linked_app.id == "d15ed3a8-c2c1-4054-840b-946c93915da9"
    assert env.templates == ("D365_FinOps_Finance",)


def test_list_tenant_settings():
    settings = parse_tenant_settings(load("power-platform/list-tenant-settings.json"))
    assert settings.disable_environment_creation_by_non_admin_users is False


def test_list_tenant_settings_without_the_flag_is_an_error_not_a_guess():
    payload = load("power-platform/list-tenant-settings.json")
    del payload["disableEnvironmentCreationByNonAdminUsers"]
    with pytest.raises(ServiceError):
        parse_tenant_settings(payload)


def test_tenant_capacity_reads_the_database_entry():
    capacity = parse_tenant_capacity(load("power-platform/tenant-capacity.json"))
    assert capacity == TenantCapacity(database_total_mb=20480.0, database_actual_mb=3150.9449999999997,
                                      database_rated_mb=2379.898, status="Available",
                                      operations=StorageCapacity("FinOpsDatabase", "MB", 0.0, 0.0, 0.0, "Available"))


def test_tenant_capacity_without_a_database_entry_is_an_error():
    payload = load("power-platform/tenant-capacity.json")
    payload["tenantCapacities"] = [c for c in payload["tenantCapacities"] if c["capacityType"] != "Database"]
    with pytest.raises(ServiceError):
        parse_tenant_capacity(payload)


# --- Lifecycle Services ---------------------------------------------------------------------------

def test_lcs_environment_detail_with_undashed_ids():
    envelope = check_envelope(load("lcs/environmentinfo_v1_detail_project.json"), "get_environment")
    env = find_environment(envelope, "d15ed3a8-c2c1-4054-840b-946c93915da9")
    assert env == LcsEnvironment(
        environment_id="d15ed3a8-c2c1-4054-840b-946c93915da9", name="ProdEnvironment1", project_id=112233,
        environment_type="Production", deployment_state="Finished", deployment_status="Deployed",
        region="East US", endpoint_url="<example>", product="Finance and Operations")


def test_lcs_environment_detail_with_dashed_ids_and_missing_environment():
    envelope = load("lcs/environmentinfo_v1_detail_project.json")
    sandbox = find_environment(envelope, "60B557B2-FEFB-4690-859E-F83CAF98C17E")
    assert (sandbox.environment_type, sandbox.deployment_status) == ("Sandbox", "Failed")
    assert find_environment(envelope, "11111111-1111-1111-1111-111111111111") is None


def test_lcs_environment_parser_on_each_entry():
    envelope = load("lcs/environmentinfo_v1_detail_project.json")
    names = [parse_lcs_environment(item).name for item in envelope["Data"]]
    assert names == ["ProdEnvironment1", "SandboxEnvironment1"]


def test_lcs_refusal_envelope():
    with pytest.raises(LcsRequestRefused) as caught:
        check_envelope(load("lcs/databasemovement_throttled_error.json"), "start_setup")
    assert caught.value.message == "Maximum allowed API operations are 3 from 2019-09-30T04:01:01.9999999"
    assert caught.value.operation_activity_id == "55eb4327-9346-4c7b-82bd-fe8ef15112c6"
    assert caught.value.to_dict()["service"] == "lcs"


def test_lcs_success_envelope_without_data():
    body = load("lcs/envelope_versioneol_example.json")
    assert check_envelope(body, "op") is body
    assert iso_utc(body["VersionEOL"]) == "9999-12-31T23:59:59.999999Z"  # seven decimals, no zone


def test_lcs_success_envelope_with_top_level_fields():
    body = load("lcs/databasemovement_v1_fetchstatus.json")
    assert check_envelope(body, "op")["OperationStatus"] == "InProgress"


def test_lcs_answer_that_is_no_envelope_is_rejected():
    with pytest.raises(ServiceError) as caught:
        check_envelope(load("power-platform/tenant.json"), "get_environment")
    assert caught.value.code == "UnexpectedResponse"


# --- Microsoft Graph ------------------------------------------------------------------------------

def test_graph_user():
    user = parse_user(load("graph/user_get_by_id.json"))
    assert (user.id, user.user_principal_name, user.display_name) == (
        "87d349ed-44d7-43e1-9a83-5f2406dee5bd", "AdeleV@contoso.com", "Adele Vance")
    assert user.assigned_licenses == ()


def test_graph_users_with_assigned_licenses():
    users = [parse_user(u) for u in load("graph/users_list_filter_assignedlicenses.json")["value"]]
    assert users[0].assigned_licenses == (AssignedLicense("cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46", ()),)
    assert users[1].id == "81a133c2-bdf2-4e67-8755-7264366b04ee"


def test_graph_license_sku_ids_compare_in_lower_case():
    assert parse_license({"skuId": "55C9EB4E-C746-45B4-B255-9AB6B19D5C62",
                          "disabledPlans": ["CD31B152-6326-4D1B-AE1B-997B625182E6"]}) == AssignedLicense(
        "55c9eb4e-c746-45b4-b255-9ab6b19d5c62", ("cd31b152-6326-4d1b-ae1b-997b625182e6",))


def test_graph_license_details_share_the_sku_shape():
    skus = [parse_license(item).sku_id for item in load("graph/user_list_licensedetails.json")["value"]]
    assert skus == ["c7df2760-2c81-4ef7-b578-5b5392b571df", "725422ed-e205-400e-ab0a-3899d8a398ca"]


def test_graph_directory_roles():
    roles = parse_directory_roles(load("graph/directoryroles_list.json")["value"])
    assert roles[0] == DirectoryRole("62e90394-69f5-4237-9190-012177145e10", "Global Administrator")
    assert len(roles) == 3


def test_graph_transitive_membership_skips_groups():
    assert parse_directory_roles(load("graph/user_list_transitivememberof.json")["value"]) == []


def test_graph_role_assignments_are_not_directory_role_objects():
    # The documented alternative (roleAssignments) names roleDefinitionId, not roleTemplateId: the
    # directoryRole parser must not mistake it for memberships.
    assert parse_directory_roles(load("graph/roleassignments_filter_principalid.json")["value"]) == []


# --- Dataverse ------------------------------------------------------------------------------------

def test_finops_integration_details_with_an_invalid_tenant_guid():
    details = parse_finops_integration(load("dataverse/retrievefinanceandoperationsintegrationdetails.json"))
    assert details.url == "https://contoso.operations.dynamics.com"
    assert details.tenant_id == "72ad15fq-3m88-4e15-be25-8751c9bd0764"
    assert details.environment_id == "b2106f5c-e218-4aac-841a-a59da4738eb4"


def test_search_disabled_shares_the_not_integrated_code_but_is_not_it():
    error = load("dataverse/error_400_search_disabled_0x80048d0b.json")["error"]
    assert not is_not_integrated(error["code"], error["message"])
    assert is_not_integrated("0x80048d0b", "Dataverse instance isn't integrated with finance and operations.")


def test_direct_security_roles():
    roles = parse_roles(load("dataverse/systemuserroles_association_list.json")["value"])
    assert [(r.name, r.role_id, r.template_id, r.via_team) for r in roles] == [
        ("Example Security Role", "e359feba-bb27-ed11-9db1-002248274ada", None, None)]


def test_role_records_with_team_columns():
    roles = parse_roles(load("dataverse/retrieveaaduserroles.json")["value"], via_team="testgroup")
    assert roles[0].name == "System Administrator"
    assert roles[0].role_id == "ae0daa93-e566-eb11-bb2b-000d3ac4c3f6"


# --- Error bodies through the HTTP policy ---------------------------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = ScriptedServer(tmp_path_factory.mktemp("tls"))
    yield s
    s.stop()


def fetch(server, reply: Reply, service="dataverse"):
    server.reset()
    server.on("/call", reply)
    sleep = RecordingSleep()
    policy = HttpPolicy(max_retries=1, ca_bundle=server.ca_path, sleep=sleep, clock=sleep.clock, rng=lambda: 0.0)
    http = policy.service(service, HostAllowList(("127.0.0.1",), "X"), lambda: "token")
    try:
        return http.get_json("call", server.base_url + "/call"), sleep
    except ServiceError as error:
        return error, sleep


@pytest.mark.parametrize("fixture, code, message", [
    ("dataverse/error_400_plugin_with_annotations.json", "0x80040265", "Example Error Message."),
    ("dataverse/error_400_search_disabled_0x80048d0b.json", "0x80048d0b",
     "Dataverse Search feature is disabled for this organization."),
    ("dataverse/error_format_template.json", "<This code is not related to the http status code and is frequently empty>",
     "<A message describing the error>"),
    ("power-platform/create-environment-insufficient-capacity-409.json", "InsufficientCapacity_StorageDriven",
     "This environment can't be created because your org (tenant) needs at least 1 GB of database capacity."),
])
def test_error_bodies_keep_the_service_code_and_message(server, fixture, code, message):
    error, _ = fetch(server, Reply(400, (FIXTURES / fixture).read_text()))
    assert (error.status, error.code, error.message) == (400, code, message)


def test_graph_throttling_sample(server):
    body = (FIXTURES / "graph/throttling_429.json").read_text()
    error, sleep = fetch(server, Reply(429, body, {"Retry-After": "2.128"}), service="graph")
    assert isinstance(error, Throttled)
    assert (error.code, error.message, error.retry_after) == ("TooManyRequests", "Please retry again later.", 2.128)
    assert sleep.waits == [2.128]


def test_lcs_refusal_as_an_http_error_keeps_error_message(server):
    error, _ = fetch(server, Reply(400, (FIXTURES / "lcs/databasemovement_throttled_error.json").read_text()),
                     service="lcs")
    assert error.message == "Maximum allowed API operations are 3 from 2019-09-30T04:01:01.9999999"


@pytest.mark.parametrize("fixture", ["dataverse/whoami.json", "power-platform/tenant.json",
                                     "power-platform/lifecycle-operation-failed.json",
                                     "power-platform/lifecycle-operation-succeeded.json",
                                     "power-platform/locations.json"])
def test_success_bodies_of_calls_we_do_not_make_pass_through_unchanged(server, fixture):
    # No client calls these endpoints; the shared policy must still hand their bodies over intact
    # (whoami.json keeps the doc's trailing spaces; a failed lifecycle operation is still HTTP 200).
    text = (FIXTURES / fixture).read_text()
    body, _ = fetch(server, Reply(200, text))
    assert body == json.loads(text)


def test_every_fixture_is_read_by_a_test():
    tests = "".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py"))
    named = set(re.findall(r'"((?:dataverse|graph|lcs|power-platform)/[\w.-]+\.json)"', tests))
    published = {str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*.json")}
    assert published - named == set()


@pytest.mark.parametrize("status, body, outcome", [
    (200, (FIXTURES / "dataverse/retrievefinanceandoperationsintegrationdetails.json").read_text(), "linked"),
    (400, json.dumps({"error": {"code": "0x80048d0b",
                                "message": "Dataverse instance isn't integrated with finance and operations."}}), None),
    (400, (FIXTURES / "dataverse/error_400_search_disabled_0x80048d0b.json").read_text(), ServiceError),
    (400, (FIXTURES / "dataverse/error_400_plugin_with_annotations.json").read_text(), ServiceError),
])
def test_finops_integration_linked_not_linked_and_other_errors_told_apart(server, status, body, outcome):
    server.reset()
    server.on("/api/data/v9.1/RetrieveFinanceAndOperationsIntegrationDetails", Reply(status, body))
    sleep = RecordingSleep()
    policy = HttpPolicy(max_retries=0, ca_bundle=server.ca_path, sleep=sleep, clock=sleep.clock)
    client = DataverseClient(policy.service("dataverse", HostAllowList(("127.0.0.1",), "X"), lambda: "t"),
                             server.base_url + "/")
    if outcome is ServiceError:
        with pytest.raises(ServiceError) as caught:
            client.get_finops_integration()
        assert caught.value.status == 400
    elif outcome is None:
        assert client.get_finops_integration() is None
    else:
        assert client.get_finops_integration().environment_id == "b2106f5c-e218-4aac-841a-a59da4738eb4"


def test_the_application_package_list_and_an_install_operation_read_as_captured():
    packages = [parse_package(item) for item in load("power-platform/environment-application-packages.json")["value"]]
    forms = next(p for p in packages if p.unique_name == "MicrosoftFormsPro")
    assert (forms.state, forms.version, forms.application_name) == ("None", "2.0.0.45", "Dynamics 365 Customer Voice")
    assert forms.last_error is None and forms.id == "0b9d1959-2eae-46be-bfbd-f6dd139fb0b6"
    operation = parse_operation(load("power-platform/application-package-install-operation.json"))
    assert (operation.status, operation.finished, operation.status_message) == ("Succeeded", True, None)
    assert operation.operation_id == "475af49d-9bca-437f-8be1-9e467f44be8a"
    assert operation.created_at.startswith("2023-10-11T07:45:25")
