"""unified mode: Platform Tools first when missing, then the provisioning app with its options, each
installed once (the packages are read before acting; a running install is adopted; a refusal is not
retried); the install followed by operation id, else by package state; verification."""

from __future__ import annotations

from dataclasses import replace

import pytest

import activities.setup as setup
from services import application_packages as AP
from services import models as M
from services.errors import ServiceError, ServiceUnavailable
from tests.activities.fakes import TARGET, environment
from tests.activities.setup_modes.support import run

APP, TOOLS = AP.PROVISIONING_APP, "msdyn_FinanceAndOperationsPlatformToolsAnchor"
REQUEST = {"lcsProjectId": None, "lcsEnvironmentId": None, "powerPlatformEnvironmentId": TARGET,
           "operator": "admin@contoso.onmicrosoft.com", "setupMode": "unified", "confirmationTimeout": "P3D",
           "provisioningApp": {"developerTools": True, "demoData": False, "version": "10.0.44"}}


def start():
    return run(setup.start_setup, {"request": REQUEST, "confirmedBy": "Adele Vance"})


def read(setup_activity_id=None):
    return run(setup.read_provisioning, {"request": REQUEST, "setupActivityId": setup_activity_id})


def test_with_platform_tools_installed_it_installs_the_app_with_its_options(fake):
    result = start()
    assert result == {"outcome": "started", "setupActivityId": "op-1",
                      "message": f"The install of {AP.PROVISIONING_APP_NAME} started."}
    assert fake.application_packages.installs == [(APP, "DevToolsEnabled=true|DemoDataEnabled=false|"
                                                        "ApplicationVersion=10.0.44")]


def test_platform_tools_missing_is_installed_first_then_the_app_each_once(fake):
    packages = fake.application_packages
    packages.states[TOOLS] = "None"
    assert start()["setupActivityId"] == "op-1"
    assert start()["outcome"] == "adopted"  # a second attempt while Platform Tools installs starts nothing
    packages.operations["op-1"] = replace(packages.operations["op-1"], status="Succeeded")
    assert read("op-1")["state"] == "InProgress"  # the operation is done, the package not yet
    packages.states[TOOLS] = "Installed"
    assert read("op-1") == {"state": "NextStep", "phase": "Platform Tools installed",
                            "message": f"{AP.PLATFORM_TOOLS_NAME} is installed; the provisioning app is next."}
    assert start()["setupActivityId"] == "op-2"
    assert start()["outcome"] == "adopted"
    assert [name for name, _ in packages.installs] == [TOOLS, APP]
    assert packages.installs[0][1] is None  # Platform Tools takes no payload


@pytest.mark.parametrize("state", ["Installing", "Installed"])
def test_an_app_install_running_or_done_is_adopted_and_nothing_starts(fake, state):
    fake.application_packages.states[APP] = state
    result = start()
    assert result["outcome"] == "adopted" and result["setupActivityId"] is None
    assert fake.application_packages.installs == []


def test_a_refused_install_is_not_retried_and_adopts_what_started_meanwhile(fake):
    packages = fake.application_packages
    packages.refuse_install_with = ServiceError("powerplatform", "install_application_package", 409,
                                                "InstallInProgress", "an install is in progress")
    packages.state_after_refusal = {APP: "Installing"}
    assert start()["outcome"] == "adopted"
    packages.state_after_refusal = {APP: "None"}
    packages.states[APP] = "None"
    refused = start()
    assert refused["outcome"] == "conflict" and "an install is in progress" in refused["message"]
    assert packages.installs == []


def test_a_lost_answer_asks_again_later_and_the_next_attempt_reads_first(fake):
    fake.application_packages.refuse_install_with = ServiceUnavailable(
        "powerplatform", "install_application_package", 503, None, "unavailable")
    assert start()["outcome"] == "retry"
    fake.application_packages.refuse_install_with = None
    fake.application_packages.states[APP] = "Installing"  # the lost POST did start it
    assert start()["outcome"] == "adopted" and fake.application_packages.installs == []


def test_an_app_not_offered_is_a_conflict(fake):
    del fake.application_packages.states[APP]
    result = start()
    assert result["outcome"] == "conflict" and AP.PROVISIONING_APP_NAME in result["message"]


def test_a_failed_operation_ends_with_its_message_and_a_running_one_goes_on(fake):
    packages = fake.application_packages
    packages.operations["op-9"] = AP.InstallOperation("op-9", "Running", None, None, None)
    assert read("op-9") == {"state": "InProgress", "phase": "Running", "setupActivityId": "op-9"}
    packages.operations["op-9"] = AP.InstallOperation("op-9", "Failed", "failed", None, None,
                                                      AP.PackageError(1, "X", "database provisioning failed"))
    failed = read("op-9")
    assert failed["state"] == "Failed" and failed["message"] == "The install ended Failed: database provisioning failed"


def test_without_an_operation_id_the_package_state_tells(fake):
    packages = fake.application_packages
    packages.states[APP] = "Installing"
    assert read() == {"state": "InProgress", "phase": "Installing the provisioning app"}
    packages.states[APP], packages.errors[APP] = "InstallFailed", "hostname too long"
    assert read()["message"] == f"The install of {AP.PROVISIONING_APP_NAME} failed: hostname too long"
    packages.states[APP] = "Installed"
    assert read() == {"state": "Succeeded", "phase": "Installed"}


def test_verify_wants_the_package_installed_and_dataverse_integration(fake):
    fake.bap.target = environment(linked_app=M.LinkedApp("Internal", "fo-1", "https://contoso.operations.dynamics.com/"))
    fake.application_packages.states[APP] = "Installed"
    fake.dataverse_client.integration = M.FinOpsIntegration("https://contoso.operations.dynamics.com/", "t1", "fo-1")
    verdict = run(setup.verify_link, {"request": REQUEST})
    assert verdict["verified"] and verdict["evidence"]["financeAndOperationsUrl"].startswith("https://contoso.operations")
    assert "note" not in verdict["evidence"]


def test_verify_without_the_url_on_the_environment_relies_on_dataverse_and_says_so(fake):
    fake.bap.target = environment(linked_app=None)
    fake.application_packages.states[APP] = "Installed"
    fake.dataverse_client.integration = M.FinOpsIntegration("https://contoso.operations.dynamics.com/", "t1", "fo-1")
    verdict = run(setup.verify_link, {"request": REQUEST})
    assert verdict["verified"] and "can be missing until the environment is edited" in verdict["evidence"]["note"]


def test_verify_fails_while_the_package_is_not_installed_or_dataverse_is_silent(fake):
    verdict = run(setup.verify_link, {"request": REQUEST})
    assert not verdict["verified"]
    assert "is None, not Installed" in verdict["message"] and "no finance and operations integration" in verdict["message"]
