"""setupMode unified end to end: the ten unified-* scenarios through the HTTP API on devhost, each
with exactly the installs it should start (the sandbox counts them), plus a duplicate request."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.support import OPERATOR, OPERATOR_NAME, TARGET

pytestmark = pytest.mark.e2e

INSTANCE = f"link-{TARGET}"
APP, TOOLS = "msdyn_FinanceAndOperationsProvisioningAppAnchor", "msdyn_FinanceAndOperationsPlatformToolsAnchor"
ENDED = ("Linked", "Failed", "ProvisioningFailed", "ProvisioningTimedOut", "ValidationFailed")


def unified_request(**options: Any) -> dict[str, Any]:
    return {"setupMode": "unified", "powerPlatformEnvironmentId": TARGET, "operator": OPERATOR,
            "provisioningApp": {"developerTools": False, "demoData": False, "version": "latest", **options}}


def start(driver, **options: Any):
    answer = driver.host.post("/api/links", unified_request(**options))
    if answer.status in (202, 409):
        driver.started.add(answer.json()["instanceId"])
    return answer


def installs(driver) -> dict[str, int]:
    return driver.sandbox.install_starts().get(TARGET, {})


def confirmed_run(driver, scenario: str, **options: Any) -> dict[str, Any]:
    """The scenario's run, confirmed by the operator, to its end."""
    driver.reset(scenario)
    driver.host.hold_clock()
    answer = start(driver, **options)
    assert answer.status == 202 and answer.json()["instanceId"] == INSTANCE, answer.body
    awaiting = driver.wait_phase("AwaitingConfirmation", "ValidationFailed", instance_id=INSTANCE)
    assert awaiting["phase"] == "AwaitingConfirmation", awaiting["checks"]
    assert installs(driver) == {}  # nothing before the confirmation
    assert driver.confirm(OPERATOR_NAME, instance_id=INSTANCE).status == 202
    driver.host.release_clock()
    return driver.wait_phase(*ENDED, instance_id=INSTANCE, timeout=120)


def test_happy_path_installs_the_app_once_and_verifies(driver):
    driver.reset("unified-happy-path")
    driver.host.hold_clock()
    assert start(driver).status == 202
    status = driver.wait_phase("AwaitingConfirmation", instance_id=INSTANCE)
    assert {c["outcome"] for c in status["checks"]} == {"passed"} and len(status["checks"]) == 11
    assert status["irreversibilityNotice"].startswith("Installing finance and operations")
    assert status["request"]["provisioningApp"]["version"] == "latest"
    review = driver.host.get(f"/api/links/{INSTANCE}/review")
    assert review.status == 200 and b"Provisioning App" in review.body and b"version latest" in review.body
    assert driver.confirm(OPERATOR_NAME, instance_id=INSTANCE).status == 202
    driver.host.release_clock()
    linked = driver.wait_phase(*ENDED, instance_id=INSTANCE, timeout=120)
    assert linked["phase"] == "Linked", linked["outcome"]
    assert installs(driver) == {APP: 1}
    assert linked["outcome"]["linkedEnvironment"]["financeAndOperationsUrl"] == \
        "https://contoso-uat.operations.dynamics.com/"
    driver.host.wait_for_status(INSTANCE)
    events = driver.messages("link-events")
    assert [e["type"] for e in events][-1] == "link.linked" and all(e["lcsEnvironmentId"] is None for e in events)
    again = start(driver)  # one environment, one install, ever
    assert again.status == 409 and again.json()["instanceId"] == INSTANCE
    assert installs(driver) == {APP: 1}


def test_platform_tools_missing_is_installed_first_then_the_app(driver):
    linked = confirmed_run(driver, "unified-platform-tools-missing")
    assert linked["phase"] == "Linked", linked["outcome"]
    assert installs(driver) == {TOOLS: 1, APP: 1}
    version = next(c for c in linked["checks"] if c["id"] == "version-exists")
    assert version["outcome"] == "passed"  # asked again once Platform Tools brought the list


def test_an_install_already_running_is_adopted_and_nothing_is_started(driver):
    linked = confirmed_run(driver, "unified-install-running")
    assert linked["phase"] == "Linked", linked["outcome"]
    assert installs(driver) == {}


def test_an_install_that_fails_at_40_minutes_is_reported(driver):
    failed = confirmed_run(driver, "unified-install-fails")
    assert failed["phase"] == "ProvisioningFailed"
    assert "database provisioning" in failed["outcome"]["message"]
    assert installs(driver) == {APP: 1}


@pytest.mark.parametrize("scenario, check_id, options", [
    ("unified-production-refused", "environment-type", {}),
    ("unified-no-dynamics-schema", "dataverse-ready", {}),
    ("unified-already-lcs-linked", "target-not-linked", {}),
    ("unified-hostname-too-long", "dataverse-hostname-length", {}),
    ("unified-operations-capacity-short", "operations-capacity", {}),
    ("unified-version-unknown", "version-exists", {"version": "10.0.44"}),
])
def test_each_unmet_prerequisite_stops_the_run_before_any_install(driver, scenario, check_id, options):
    driver.reset(scenario)
    assert start(driver, **options).status == 202
    failed = driver.wait_phase("ValidationFailed", "AwaitingConfirmation", instance_id=INSTANCE)
    assert failed["phase"] == "ValidationFailed"
    by_id = {c["id"]: c for c in failed["checks"]}
    assert by_id[check_id]["outcome"] == "failed" and by_id[check_id]["remediation"], by_id[check_id]
    assert installs(driver) == {}


@pytest.mark.parametrize("body, field", [
    ({"lcsProjectId": 1234567}, "lcsProjectId"),
    ({"provisioningApp": {"version": "ten"}}, "provisioningApp.version"),
])
def test_a_field_that_does_not_belong_to_unified_is_a_400_naming_it(driver, body, field):
    request = unified_request()
    answer = driver.host.post("/api/links", {**request, **body, "provisioningApp": {
        **request["provisioningApp"], **body.get("provisioningApp", {})}})
    assert answer.status == 400 and field in [e["field"] for e in answer.json()["errors"]]


def test_a_request_delivered_three_times_and_confirmed_twice_installs_once(driver):
    driver.reset("unified-happy-path")
    driver.host.hold_clock()
    queue = driver.queue("link-requests")
    for _ in range(3):
        queue.send_message(json.dumps(unified_request(version="10.0.45")))
    driver.started.add(INSTANCE)
    driver.wait_phase("AwaitingConfirmation", instance_id=INSTANCE)
    assert start(driver).status == 409  # and once more over HTTP
    assert driver.confirm(OPERATOR_NAME, instance_id=INSTANCE).status == 202
    driver.confirm(OPERATOR_NAME, instance_id=INSTANCE)  # a second click
    driver.host.release_clock()
    linked = driver.wait_phase(*ENDED, instance_id=INSTANCE, timeout=120)
    assert linked["phase"] == "Linked", linked["outcome"]
    assert linked["request"]["provisioningApp"]["version"] == "10.0.45"
    assert installs(driver) == {APP: 1}
    assert driver.messages("link-requests-poison") == []


def test_preflight_of_a_unified_request_runs_its_checks_and_installs_nothing(driver):
    driver.reset("unified-platform-tools-missing")
    answer = driver.host.post("/api/preflight?wait=60", unified_request())
    assert answer.status == 200, answer.body
    report = answer.json()
    outcomes = {c["id"]: c["outcome"] for c in report["checks"]}
    assert len(outcomes) == 11 and outcomes["version-exists"] == "warning"
    assert {o for i, o in outcomes.items() if i != "version-exists"} == {"passed"}
    assert installs(driver) == {}
