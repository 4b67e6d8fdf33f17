"""setupMode unified in process: validation with the mode's facts and checks, Platform Tools then the
provisioning app (each started once, the second after the first is done and version-exists is asked
again), an install already running adopted, a failed install, a Production target refused."""

from __future__ import annotations

from typing import Any

import pytest

from tests.orchestrators.player import VERIFIED, Player, awaiting, confirm, fact, link_input, responder

pytestmark = pytest.mark.timeout(120)

PACKAGES = {"name": "applicationPackages", "error": None, "skipped": None, "value": {
    "provisioning_app": {"unique_name": "msdyn_FinanceAndOperationsProvisioningAppAnchor",
                         "application_name": "Dynamics 365 Finance and Operations Provisioning App", "state": "None"},
    "platform_tools": {"unique_name": "msdyn_FinanceAndOperationsPlatformToolsAnchor",
                       "application_name": "Dynamics 365 Finance and Operations Platform Tools", "state": "None"},
    "offered": 3}}
NO_VERSIONS_YET = {"name": "finopsVersions", "value": {"versions": None}, "error": None, "skipped": None}
VERSIONS = {"name": "finopsVersions", "value": {"versions": ["10.0.44.5", "10.0.45.3"]}, "error": None, "skipped": None}
TOOLS_STARTED = {"outcome": "started", "setupActivityId": "op-tools", "message": "The install of Platform Tools started."}
APP_STARTED = {"outcome": "started", "setupActivityId": "op-app", "message": "The install of the app started."}
RUNNING = {"state": "InProgress", "phase": "Running"}
NEXT = {"state": "NextStep", "phase": "Platform Tools installed", "message": "the provisioning app is next"}
INSTALLED = {"state": "Succeeded", "phase": "Installed"}


def unified_input(**options: Any) -> dict[str, Any]:
    data = link_input()
    request = {k: v for k, v in data["request"].items() if k not in ("lcsProjectId", "lcsEnvironmentId")}
    data["request"] = {**request, "lcsProjectId": None, "lcsEnvironmentId": None, "setupMode": "unified",
                       "provisioningApp": {"developerTools": False, "demoData": False, "version": "10.0.44"}}
    data["options"].update(options)
    return data


def answers(**given: Any):
    facts = {"gather_target_environment": fact("gather_target_environment", sku="Sandbox", domain_name="contoso-uat"),
             "gather_capacity": fact("gather_capacity", operations_total_mb=71680.0, operations_used_mb=10240.0),
             "gather_application_packages": PACKAGES, "gather_finops_versions": VERSIONS}
    return responder(**{**facts, "verify_link": VERIFIED, **given})


def confirmed(**given: Any) -> Player:
    player = awaiting(Player(unified_input(), answers(**given)))
    assert player.saved[-1]["irreversibilityNotice"].startswith("Installing finance and operations")
    confirm(player)
    return player


def test_platform_tools_missing_installs_it_then_the_app_once_each_and_verifies():
    player = confirmed(gather_finops_versions=[NO_VERSIONS_YET, VERSIONS], start_setup=[TOOLS_STARTED, APP_STARTED],
                       read_provisioning=[RUNNING, NEXT, RUNNING, INSTALLED])
    player.play(timers=True)
    assert player.done and player.output()["phase"] == "Linked", player.saved[-1]["outcome"]
    assert player.scheduled.count("start_setup") == 2
    assert [i["setupActivityId"] for i in player.inputs("read_provisioning")] == ["op-tools", "op-tools", "op-app",
                                                                                  "op-app"]
    # version-exists warned before Platform Tools, and passed when asked again before the app's install
    assert player.scheduled.count("gather_finops_versions") == 2
    checks = {c["id"]: c["outcome"] for c in player.saved[-1]["checks"]}
    assert checks["version-exists"] == "passed" and "lcs-project-access" not in checks
    assert [c["outcome"] for c in player.saved[-1]["revalidation"]["replaced"]] == ["warning"]
    assert not [name for name in player.scheduled if name.startswith("gather_lcs")]
    assert player.saved[-1]["outcome"]["message"] == "Finance and operations is installed in the Dataverse environment."
    assert player.published() == ["link.validating", "link.awaiting-confirmation", "link.starting-setup",
                                  "link.provisioning", "link.verifying", "link.linked"]
    assert all(data["lcsEnvironmentId"] is None for data in player.inputs("publish_event"))


def test_an_install_already_running_is_adopted_and_followed_by_the_package_state():
    adopted = {"outcome": "adopted", "setupActivityId": None, "message": "already Installing; following it."}
    player = confirmed(start_setup=adopted, read_provisioning=[RUNNING, INSTALLED])
    player.play(timers=True)
    assert player.done and player.output()["phase"] == "Linked"
    assert player.scheduled.count("start_setup") == 1
    assert [i["setupActivityId"] for i in player.inputs("read_provisioning")] == [None, None]


def test_an_install_that_fails_ends_provisioning_failed_with_the_apis_message():
    failed = {"state": "Failed", "phase": "Failed", "message": "The install ended Failed: database provisioning failed."}
    player = confirmed(start_setup=APP_STARTED, read_provisioning=[RUNNING, RUNNING, failed])
    player.play(timers=True)
    assert player.done and player.output()["phase"] == "ProvisioningFailed"
    assert player.saved[-1]["outcome"]["message"] == failed["message"]
    assert player.scheduled.count("start_setup") == 1 and "verify_link" not in player.scheduled


def test_a_version_missing_after_platform_tools_ends_the_run_before_the_app_is_installed():
    player = confirmed(gather_finops_versions=[NO_VERSIONS_YET, {**VERSIONS, "value": {"versions": ["10.0.45.3"]}}],
                       start_setup=TOOLS_STARTED, read_provisioning=NEXT)
    player.play(timers=True)
    assert player.done and player.output()["phase"] == "Failed"
    assert player.saved[-1]["outcome"]["checks"] == ["version-exists"]
    assert player.scheduled.count("start_setup") == 1


def test_a_production_environment_is_refused_at_validation_and_nothing_starts():
    player = Player(unified_input(), answers(
        gather_target_environment=fact("gather_target_environment", sku="Production", domain_name="contoso-uat")))
    player.play(timers=True)
    assert player.done and player.output()["phase"] == "ValidationFailed"
    assert player.saved[-1]["outcome"]["checks"] == ["environment-type"]
    assert "start_setup" not in player.scheduled
