"""The application packages client (setupMode unified) and capacity per storage type: the real client,
built by ServiceClients from settings, against the sandbox's unified scenarios; parsers on the
captured and documented shapes. Waits are recorded, never slept; time moves on the sandbox clock."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from sandbox.server import SandboxServer
from domain.values import iso_utc
from services.application_packages import (
    PLATFORM_TOOLS_NAME,
    PROVISIONING_APP,
    InstallOperation,
    PackageError,
    install_payload,
    parse_install_started,
    parse_operation,
    parse_package,
)
from services.capacity import DATAVERSE_DATABASE, OPERATIONS_DATABASE, parse_capacities
from services.clients import ServiceClients
from services.dataverse import parse_finops_versions
from services.errors import ServiceError, ServiceUnavailable
from services.settings import ServiceSettings
from tests.services.support import RecordingSleep

TEMPLATES = Path(__file__).resolve().parents[2] / "sandbox" / "templates"
TARGET = "fc384085-a8b1-4b50-926a-e95c355a7195"
START = datetime(2030, 5, 1, 7, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def sandbox():
    server = SandboxServer.start(scenario="unified-happy-path", port=0)
    server.clock.set(START)
    yield server
    server.stop()


@pytest.fixture
def play(sandbox, tmp_path):
    """Load a scenario afresh and return clients pointed at the sandbox, with a recording sleep."""
    def load(scenario="unified-happy-path"):
        sandbox.load_scenario(scenario)
        settings = ServiceSettings.from_env({**sandbox.settings(), "HTTP_MAX_RETRIES": "3",
                                             "LCS_TOKEN_CACHE": str(tmp_path / "unused.json")})
        waits = RecordingSleep()
        return ServiceClients(settings, sleep=waits, clock=waits.clock), waits
    yield load
    sandbox.set_faults({})


def captured(name: str):
    """A captured payload (the sandbox's templates, see sandbox/templates/SOURCES.md)."""
    return json.loads((TEMPLATES / name).read_text(encoding="utf-8"))


def calls(sandbox, method):
    return [c for c in sandbox.calls() if c["service"] == "powerplatform" and c["method"] == method]


def test_packages_of_an_environment_by_unique_name_by_name_and_by_install_state(play):
    clients, _ = play()
    packages = clients.application_packages
    every = {p.unique_name: p for p in packages.list_environment_packages(TARGET)}
    assert set(every) == {PROVISIONING_APP, "msdyn_FinanceAndOperationsPlatformToolsAnchor", "MicrosoftFormsPro"}
    app = packages.get_environment_package(TARGET, PROVISIONING_APP.upper())
    assert (app.application_name, app.version, app.state, app.instance_package_id) == (
        "Dynamics 365 Finance and Operations Provisioning App", "1.0.0.118", "None", None)
    tools = packages.get_environment_package(TARGET, name=PLATFORM_TOOLS_NAME.lower())
    assert tools.state == "Installed" and tools.instance_package_id is not None
    assert [p.unique_name for p in packages.list_environment_packages(TARGET, "Installed")] == [tools.unique_name]
    assert packages.get_environment_package(TARGET, "msdyn_NoSuchAnchor") is None
    with pytest.raises(ValueError):
        packages.list_environment_packages(TARGET, "Sometimes")


def test_install_then_follow_the_operation_until_installed(play, sandbox):
    clients, _ = play()
    packages = clients.application_packages
    payload = install_payload(developer_tools=True, demo_data=False, version="10.0.45")
    before = sandbox.clock.now()
    started = packages.install(TARGET, PROVISIONING_APP, payload)
    assert started.state == "Installing" and started.instance_package_id is not None
    running = packages.get_install_status(TARGET, started.operation_id)
    assert (running.operation_id, running.status, running.finished) == (started.operation_id, "Running", False)
    assert running.created_at == iso_utc(before.isoformat())
    sandbox.clock.advance(3600)
    done = packages.get_install_status(TARGET, started.operation_id)
    assert (done.status, done.finished, done.error, done.last_action_at) == ("Succeeded", True, None, iso_utc((before + timedelta(hours=1)).isoformat()))
    assert packages.get_environment_package(TARGET, PROVISIONING_APP).state == "Installed"
    assert sandbox.install_starts() == {TARGET: {PROVISIONING_APP: 1}}
    recorded = sandbox.sandbox.world.installs.snapshot(sandbox.clock.now())
    assert recorded[0]["payload"] == {"DevToolsEnabled": "true", "DemoDataEnabled": "false", "ApplicationVersion": "10.0.45"}
    # The status URL is built from the id (the documented api-version), not taken from Operation-Location.
    status_reads = [c["path"] for c in calls(sandbox, "GET") if "/operations/" in c["path"]]
    assert status_reads and all("api-version=2022-03-01-preview" in path for path in status_reads)


def test_a_refused_install_is_a_service_error_with_the_services_words(play, sandbox):
    clients, _ = play("unified-platform-tools-missing")
    with pytest.raises(ServiceError) as refused:
        clients.application_packages.install(TARGET, PROVISIONING_APP)
    assert (refused.value.status, refused.value.code) == (400, "DependencyNotInstalled")
    assert PLATFORM_TOOLS_NAME in refused.value.message
    clients.application_packages.install(TARGET, "msdyn_FinanceAndOperationsPlatformToolsAnchor")
    with pytest.raises(ServiceError) as again:
        clients.application_packages.install(TARGET, "msdyn_FinanceAndOperationsPlatformToolsAnchor")
    assert again.value.status == 409 and again.value.code == "InstallInProgress"
    assert sandbox.install_starts() == {TARGET: {"msdyn_FinanceAndOperationsPlatformToolsAnchor": 1}}


def test_the_install_is_never_retried_but_status_reads_are(play, sandbox):
    clients, waits = play()
    sandbox.set_faults({"powerplatform": {"burst": 1}})
    with pytest.raises(ServiceUnavailable):
        clients.application_packages.install(TARGET, PROVISIONING_APP)
    assert len(calls(sandbox, "POST")) == 1 and sandbox.install_starts() == {}
    started = clients.application_packages.install(TARGET, PROVISIONING_APP)
    sandbox.set_faults({"powerplatform": {"throttleRate": 1.0, "retryAfterSeconds": 7}})
    with pytest.raises(ServiceError):
        clients.application_packages.get_install_status(TARGET, started.operation_id)
    assert waits.waits == [7.0, 7.0, 7.0]  # Retry-After honoured on each of the three retries
    sandbox.set_faults({"powerplatform": {"burst": 2}})
    assert clients.application_packages.get_install_status(TARGET, started.operation_id).status == "Running"


def test_a_failed_install_carries_its_error(play, sandbox):
    clients, _ = play("unified-install-fails")
    started = clients.application_packages.install(TARGET, PROVISIONING_APP)
    sandbox.clock.advance(41 * 60)
    failed = clients.application_packages.get_install_status(TARGET, started.operation_id)
    assert failed.status == "Failed" and failed.finished
    assert "database provisioning" in failed.status_message and "database provisioning" in failed.error.message
    package = clients.application_packages.get_environment_package(TARGET, PROVISIONING_APP)
    assert package.state == "InstallFailed" and package.last_error.source == "Dataverse"


def test_capacity_per_storage_type(play):
    clients, _ = play("unified-operations-capacity-short")
    capacities = clients.powerplatform.get_capacities()
    assert (capacities[OPERATIONS_DATABASE].total, capacities[OPERATIONS_DATABASE].free) == (61440.0, 540.0)
    assert capacities[DATAVERSE_DATABASE].free == pytest.approx(20480 - 3150.945)
    assert clients.powerplatform.get_tenant_capacity().database_total_mb == 20480.0


# --- parsers on published shapes ----------------------------------------------------------------

def test_install_payload_spells_the_options_as_the_template_parameters_do():
    assert install_payload(developer_tools=True, demo_data=True, version=None) == "DevToolsEnabled=true|DemoDataEnabled=true"
    assert install_payload(developer_tools=False, demo_data=False, version="latest") == "DevToolsEnabled=false|DemoDataEnabled=false"
    assert install_payload(developer_tools=False, demo_data=True, version="10.0.44.5").endswith("|ApplicationVersion=10.0.44.5")


def test_operation_id_from_the_body_or_else_from_operation_location():
    # The terraform provider's test answers 202 with no body and this header.
    header = ("https://api.powerplatform.com/appmanagement/environments/402c2b45-f5dc-e561-869f-368544f94a13/"
              "operations/475af49d-9bca-437f-8be1-9e467f44be8a?api-version=1")
    assert parse_install_started(None, header).operation_id == "475af49d-9bca-437f-8be1-9e467f44be8a"
    body = {"id": "1B0B0E6A-0000-4000-8000-000000000001", "state": "Installing",
            "lastOperation": {"operationId": "9D3E2C1B-0000-4000-8000-000000000002"}}
    started = parse_install_started(body, header)
    assert (started.operation_id, started.instance_package_id) == (
        "9d3e2c1b-0000-4000-8000-000000000002", "1b0b0e6a-0000-4000-8000-000000000001")
    with pytest.raises(ServiceError) as nothing:
        parse_install_started({}, "https://api.powerplatform.com/somewhere/else")
    assert nothing.value.remedy


def test_the_captured_operation_and_a_package_with_the_documented_last_error():
    operation = parse_operation(captured("application-package-install-operation.json"))
    assert operation == InstallOperation("475af49d-9bca-437f-8be1-9e467f44be8a", "Succeeded", None,
                                         "2023-10-11T07:45:25.376133Z", "2023-10-11T07:45:43.491506Z", None)
    captured_package = parse_package(captured("environment-application-packages.json")["value"][0])
    assert (captured_package.unique_name, captured_package.state, captured_package.last_error) == ("MicrosoftFormsPro", "None", None)
    documented = parse_package({"uniqueName": "X", "state": "InstallFailed",
                                "lastError": {"errorCode": 12, "errorName": "E", "message": "m", "statusCode": 500}})
    assert documented.last_error == PackageError(12, "E", "m", None, 500)


def test_capacities_keep_every_type_and_skip_entries_without_one():
    found = parse_capacities({"tenantCapacities": [*captured("tenant-capacity.json")["tenantCapacities"], {"x": 1}, "bad"]})
    assert {OPERATIONS_DATABASE, DATAVERSE_DATABASE, "File", "Log"} <= set(found)
    assert found["ApiCallCount"].units == "None"  # the captured answer spells "no unit" as the text None
    assert parse_capacities(None) == {}


def test_versions_the_provisioning_app_offers_once_platform_tools_is_installed(play, sandbox):
    clients, _ = play("unified-platform-tools-missing")
    dataverse = clients.dataverse(clients.bap.get_environment(TARGET).instance_url)
    assert dataverse.get_finops_versions() is None  # no msprov_ function before Platform Tools
    clients.application_packages.install(TARGET, "msdyn_FinanceAndOperationsPlatformToolsAnchor")
    sandbox.clock.advance(10 * 60)
    assert dataverse.get_finops_versions() == ("10.0.44.5", "10.0.45.3", "10.0.46.1")
    clients, _ = play("unified-version-unknown")
    dataverse = clients.dataverse(clients.bap.get_environment(TARGET).instance_url)
    assert dataverse.get_finops_versions() == ("10.0.45.3", "10.0.46.1")


def test_a_versions_answer_that_is_not_a_list_is_an_error():
    assert parse_finops_versions({"Response": '[{"value": "10.0.44.5", "extra": 1}, {"x": 2}]'}) == ("10.0.44.5",)
    for bad in ({"Response": "not json"}, {"Response": '{"value": 1}'}, None):
        with pytest.raises(ServiceError):
            parse_finops_versions(bad)
