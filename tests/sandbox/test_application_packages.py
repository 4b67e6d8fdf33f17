"""The Power Platform API's application packages in the sandbox: listing, installing, the install's
status by operation id on the sandbox clock, its effects on BAP and Dataverse, and the unified
scenarios' data."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from sandbox.packages import PLATFORM_TOOLS, PROVISIONING_APP
from sandbox.scenario import ScenarioError, load_scenario

START = datetime(2030, 3, 1, 8, 0, tzinfo=timezone.utc)
API = "api-version=2022-03-01-preview"
FINOPS_URL = "https://contoso-uat.operations.dynamics.com/"
FINOPS_ID = "2f1d8b6e-4c3a-4e59-9a7d-6b0c1e8f5a24"


@pytest.fixture
def unified(start_sandbox, make_client, ids):
    """Start a unified scenario at START and talk to its Power Platform API, BAP and Dataverse."""

    class Unified:
        def start(self, scenario="unified-happy-path"):
            self.server = start_sandbox(scenario)
            self.server.clock.set(START)
            self.client = make_client(self.server)
            self.token = self.client.app_token(ids.scopes["powerplatform"])
            return self

        def path(self, rest, env=ids.target_env):
            return f"/powerplatform/appmanagement/environments/{env}/{rest}"

        def packages(self, query=""):
            answer = self.client.get(self.path(f"applicationPackages?{API}{query}"), self.token)
            assert answer.status_code == 200, answer.text
            return {p["uniqueName"]: p for p in answer.json()["value"]}

        def install(self, name=PROVISIONING_APP, payload=None, env=ids.target_env):
            body = {} if payload is None else {"payloadValue": payload}
            return self.client.post(self.path(f"applicationPackages/{name}/install?{API}", env), self.token, json=body)

        def status(self, operation_id, env=ids.target_env):
            return self.client.get(self.path(f"operations/{operation_id}?{API}", env), self.token)

        def advance(self, minutes):
            self.server.clock.advance(minutes * 60)

        def environment(self):
            token = self.client.app_token(ids.scopes["bap"])
            path = f"/bap/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{ids.target_env}?api-version=2023-06-01"
            return self.client.get(path, token).json()["properties"]

        def integration_details(self, org=ids.org):
            token = self.client.app_token(f"{self.server.dataverse_org_url(org)}/.default")
            return self.client.get(f"/dataverse/{org}/api/data/v9.1/RetrieveFinanceAndOperationsIntegrationDetails", token)

    return Unified()


def test_the_list_keeps_the_captured_shape_and_filters_by_install_state(unified, shape_gaps, captured):
    unified.start()
    packages = unified.packages()
    assert set(packages) == {PLATFORM_TOOLS, PROVISIONING_APP, "MicrosoftFormsPro"}
    assert shape_gaps(packages[PROVISIONING_APP], captured("environment-application-packages.json")["value"][0]) == []
    app = packages[PROVISIONING_APP]
    assert (app["applicationName"], app["version"], app["state"], app["instancePackageId"]) == (
        "Dynamics 365 Finance and Operations Provisioning App", "1.0.0.118", "None", None)
    assert packages[PLATFORM_TOOLS]["state"] == "Installed" and packages[PLATFORM_TOOLS]["instancePackageId"]
    assert set(unified.packages("&appInstallState=Installed")) == {PLATFORM_TOOLS}
    assert set(unified.packages("&appInstallState=NotInstalled")) == {PROVISIONING_APP, "MicrosoftFormsPro"}
    wrong = unified.client.get(unified.path(f"applicationPackages?{API}&appInstallState=Sometimes"), unified.token)
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "InvalidAppInstallState"


def test_refusals_before_any_package_is_read(unified, ids):
    unified.start()
    client, token = unified.client, unified.token
    assert client.get(unified.path("applicationPackages"), token).json()["error"]["code"] == "MissingApiVersionParameter"
    missing = client.get(unified.path(f"applicationPackages?{API}", "00000000-0000-0000-0000-000000000404"), token)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "EnvironmentNotFound"
    no_dataverse = client.get(unified.path(f"applicationPackages?{API}", ids.placeholder_env), token)
    assert no_dataverse.status_code == 400
    for bad in ([1], {"payloadValue": 3}):
        refused = client.post(unified.path(f"applicationPackages/{PROVISIONING_APP}/install?{API}"), token, json=bad)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "InvalidRequestBody"
    not_json = client.post(unified.path(f"applicationPackages/{PROVISIONING_APP}/install?{API}"), token, data="{",
                           headers={"Content-Type": "application/json"})
    assert not_json.status_code == 400
    unknown = unified.install("msdyn_NoSuchAnchor")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "ApplicationPackageNotFound"
    assert client.get(unified.path(f"applicationPackages?{API}"), client.app_token(ids.scopes["bap"])).status_code == 401


def test_the_install_runs_an_hour_then_the_environment_shows_finance_and_operations(unified, ids):
    unified.start()
    started = unified.install(payload="DevToolsEnabled=false|DemoDataEnabled=true|ApplicationVersion=10.0.44")
    assert started.status_code == 202, started.text
    operation = started.json()["lastOperation"]["operationId"]
    assert started.headers["Operation-Location"] == (
        f"{unified.server.base_url}/powerplatform/appmanagement/environments/{ids.target_env}/operations/{operation}?api-version=1")
    assert started.json()["state"] == "Installing" and started.json()["uniqueName"] == PROVISIONING_APP
    running = unified.status(operation).json()
    assert (running["operationId"], running["status"], running["createdDateTime"]) == (operation, "Running", "2030-03-01T08:00:00Z")
    assert unified.packages()[PROVISIONING_APP]["state"] == "Installing"
    assert "linkedAppMetadata" not in unified.environment() and unified.integration_details().status_code == 400

    unified.advance(59)
    assert unified.status(operation).json()["status"] == "Running"
    unified.advance(1)
    done = unified.status(operation).json()
    assert (done["status"], done["lastActionDateTime"], done["statusMessage"]) == ("Succeeded", "2030-03-01T09:00:00Z", "")
    assert unified.packages()[PROVISIONING_APP]["state"] == "Installed"
    assert unified.environment()["linkedAppMetadata"] == {"type": "Internal", "id": FINOPS_ID, "url": FINOPS_URL}
    details = unified.integration_details()
    assert details.status_code == 200 and (details.json()["Url"], details.json()["Id"]) == (FINOPS_URL, FINOPS_ID)
    assert unified.server.install_starts() == {ids.target_env: {PROVISIONING_APP: 1}}
    recorded = unified.client.admin("GET", "/state").json()["packageInstalls"]
    assert [r["payload"] for r in recorded] == [{"DevToolsEnabled": "false", "DemoDataEnabled": "true", "ApplicationVersion": "10.0.44"}]


def test_a_second_install_is_refused_while_installing_and_once_installed(unified, ids):
    unified.start()
    assert unified.install().status_code == 202
    during = unified.install()
    assert during.status_code == 409 and during.json()["error"]["code"] == "InstallInProgress"
    unified.advance(60)
    after = unified.install()
    assert after.status_code == 409 and after.json()["error"]["code"] == "PackageAlreadyInstalled"
    assert unified.server.install_starts() == {ids.target_env: {PROVISIONING_APP: 1}}
    attempts = unified.client.admin("GET", "/install-attempts").json()
    assert [a["accepted"] for a in attempts] == [True, False, False]


def test_platform_tools_first_then_the_provisioning_app(unified, ids):
    unified.start("unified-platform-tools-missing")
    refused = unified.install()
    assert refused.status_code == 400 and refused.json()["error"]["message"] == (
        "Please install the Dynamics 365 Finance and Operations Platform Tools application before installing the "
        "Dynamics 365 Finance and Operations Provisioning App.")
    tools = unified.install(PLATFORM_TOOLS)
    assert tools.status_code == 202
    assert unified.install().status_code == 400  # still installing
    unified.advance(10)
    assert unified.status(tools.json()["lastOperation"]["operationId"]).json()["status"] == "Succeeded"
    assert unified.install().status_code == 202
    assert unified.server.install_starts() == {ids.target_env: {PLATFORM_TOOLS: 1, PROVISIONING_APP: 1}}


@pytest.mark.parametrize("scenario,payload,code,words", [
    ("unified-production-refused", None, "EnvironmentTypeNotSupported", "type Production"),
    ("unified-no-dynamics-schema", None, "SchemaTypeNotSupported", "isn't supported on SchemaType: Standard"),
    ("unified-version-unknown", "ApplicationVersion=10.0.44", "ApplicationVersionNotFound", "'10.0.44' is not available"),
    ("unified-happy-path", "DevToolsEnabled", "InvalidPayload", "'DevToolsEnabled' is not Key=value"),
])
def test_refused_installs_start_nothing(unified, scenario, payload, code, words):
    unified.start(scenario)
    refused = unified.install(payload=payload)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == code
    assert words in refused.json()["error"]["message"]
    assert unified.server.install_starts() == {}
    assert unified.packages()[PROVISIONING_APP]["state"] == "None"


@pytest.mark.parametrize("scenario,words", [
    ("unified-already-lcs-linked", "already linked to an environment managed by Lifecycle Services"),
    ("unified-hostname-too-long", "'contoso-finance-uat-eastus' of the Dataverse environment URL is longer than 19"),
    ("unified-operations-capacity-short", "1 GB of Operations capacity"),
])
def test_prerequisites_the_install_checks_itself_fail_it_early(unified, scenario, words):
    unified.start(scenario)
    started = unified.install()
    assert started.status_code == 202
    operation = started.json()["lastOperation"]["operationId"]
    unified.advance(5)
    failed = unified.status(operation).json()
    assert failed["status"] == "Failed" and words in failed["statusMessage"] and words in failed["error"]["message"]
    package = unified.packages()[PROVISIONING_APP]
    assert package["state"] == "InstallFailed" and words in package["errorDetails"]["message"]
    assert (unified.environment().get("linkedAppMetadata") or {}).get("type") != "Internal"


def test_an_install_that_fails_at_40_minutes_leaves_no_finance_and_operations_url(unified):
    unified.start("unified-install-fails")
    operation = unified.install().json()["lastOperation"]["operationId"]
    unified.advance(39)
    assert unified.status(operation).json()["status"] == "Running"
    unified.advance(2)
    failed = unified.status(operation).json()
    assert (failed["status"], failed["lastActionDateTime"]) == ("Failed", "2030-03-01T08:40:00Z")
    assert "database provisioning" in failed["statusMessage"]
    unified.advance(60)
    assert unified.packages()[PROVISIONING_APP]["state"] == "InstallFailed"
    assert "linkedAppMetadata" not in unified.environment()
    assert unified.integration_details().status_code == 400


def test_an_install_already_running_is_seen_and_never_started_twice(unified):
    unified.start("unified-install-running")
    assert unified.packages()[PROVISIONING_APP]["state"] == "Installing"
    assert unified.install().status_code == 409
    unified.advance(39)
    assert unified.packages()[PROVISIONING_APP]["state"] == "Installing"
    unified.advance(1)
    assert unified.packages()[PROVISIONING_APP]["state"] == "Installed"
    assert unified.environment()["linkedAppMetadata"]["type"] == "Internal"
    assert unified.server.install_starts() == {}


def test_the_status_of_an_operation_is_read_in_its_own_environment_only(unified, ids):
    unified.start()
    operation = unified.install().json()["lastOperation"]["operationId"]
    assert unified.status("6b1f0c2a-0000-4000-8000-000000000001").status_code == 404
    assert unified.status(operation.upper()).status_code == 200
    other = unified.status(operation, env="00000000-0000-0000-0000-000000000404")
    assert other.status_code == 404


def test_operations_and_dataverse_database_capacity_per_type(unified, start_sandbox, make_client, ids):
    unified.start("unified-operations-capacity-short")
    body = unified.client.get(f"/powerplatform/licensing/tenantCapacity?{API}", unified.token).json()
    entries = {e["capacityType"]: e for e in body["tenantCapacities"]}
    assert (entries["FinOpsDatabase"]["totalCapacity"], entries["FinOpsDatabase"]["consumption"]["actual"]) == (61440, 60900)
    assert entries["Database"]["totalCapacity"] == 20480
    lcs_world = make_client(start_sandbox("happy-path"))
    plain = lcs_world.get(f"/powerplatform/licensing/tenantCapacity?{API}", lcs_world.app_token(ids.scopes["powerplatform"])).json()
    assert {e["capacityType"]: e["totalCapacity"] for e in plain["tenantCapacities"]}["FinOpsDatabase"] == 0.0


def test_package_parts_of_a_scenario_are_checked():
    environment = "fc384085-a8b1-4b50-926a-e95c355a7195"

    def packages(**fields):
        return {"extends": "unified-happy-path", "powerPlatform": {"environments": {environment: {
            "applicationPackages": {PROVISIONING_APP: fields}}}}}

    with pytest.raises(ScenarioError) as ago:
        load_scenario(packages(startedMinutesAgo=5))
    assert "startedMinutesAgo: is given exactly when state is Installing" in str(ago.value)
    with pytest.raises(ScenarioError) as late:
        load_scenario(packages(outcome="Failed", failAfterMinutes=90))
    assert "failAfterMinutes: 90 is after the end of the install (60 minutes)" in str(late.value)
    with pytest.raises(ScenarioError) as state:
        load_scenario(packages(state="Uninstalled"))
    assert "state" in str(state.value)
    loaded = load_scenario("unified-install-running").power_platform_environments[environment].packages[PROVISIONING_APP]
    assert (loaded.state, loaded.started_seconds_ago, loaded.install_seconds) == ("Installing", 1200.0, 3600.0)


def test_every_unified_scenario_loads_and_says_what_it_plays():
    names = ["unified-happy-path", "unified-production-refused", "unified-no-dynamics-schema", "unified-already-lcs-linked",
             "unified-hostname-too-long", "unified-operations-capacity-short", "unified-platform-tools-missing",
             "unified-install-fails", "unified-install-running", "unified-version-unknown"]
    for name in names:
        scenario = load_scenario(name)
        target = scenario.power_platform_environments["fc384085-a8b1-4b50-926a-e95c355a7195"]
        assert "unified" in scenario.document["description"], name
        assert PROVISIONING_APP in target.packages and target.unified is not None, name


def test_the_versions_function_appears_with_platform_tools(unified, ids):
    unified.start("unified-platform-tools-missing")
    token = unified.client.app_token(f"{unified.server.dataverse_org_url(ids.org)}/.default")
    path = f"/dataverse/{ids.org}/api/data/v9.2/msprov_getfnoversiondetails"
    absent = unified.client.get(path, token)
    assert absent.status_code == 404 and absent.json()["error"]["code"] == "0x8006088a"
    unified.install(PLATFORM_TOOLS)
    unified.advance(10)
    answer = unified.client.get(path, token).json()
    assert json.loads(answer["Response"]) == [{"value": "10.0.44.5"}, {"value": "10.0.45.3"}, {"value": "10.0.46.1"}]


def test_an_app_that_is_not_a_management_application_is_refused(start_sandbox, make_client, ids):
    app = "70ba156e-3ffc-4eed-b6f2-8c65b8079aa8"
    server = start_sandbox({"extends": "unified-happy-path", "applications": {app: {"powerPlatformAdmin": False}}})
    client = make_client(server)
    token = client.app_token(ids.scopes["powerplatform"])
    base = f"/powerplatform/appmanagement/environments/{ids.target_env}"
    listed = client.get(f"{base}/applicationPackages?{API}", token)
    installed = client.post(f"{base}/applicationPackages/{PROVISIONING_APP}/install?{API}", token, json={})
    assert (listed.status_code, installed.status_code) == (403, 403)
    assert "applicationPackages/install/action" in installed.json()["error"]["message"]
    assert server.install_starts() == {}
