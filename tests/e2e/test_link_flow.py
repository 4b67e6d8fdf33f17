"""The link flow end to end: real HTTP, real replay on devhost, the sandbox playing Microsoft."""

from __future__ import annotations

import pytest

from tests.e2e.support import is_problem, APPROVER, INSTANCE, LCS_ENV, OPERATOR, OPERATOR_NAME, PLACEHOLDER, TARGET

pytestmark = pytest.mark.e2e


def awaiting_confirmation(driver, **request):
    """Start a link with the clock held, so the confirmation deadline can't pass while the test acts."""
    driver.host.hold_clock()
    answer = driver.start(**request)
    assert answer.status == 202, answer.body
    return driver.wait_phase("AwaitingConfirmation")


def test_happy_path_links_once_and_reports_the_disconnected_environment(driver):
    status = awaiting_confirmation(driver)
    assert {c["outcome"] for c in status["checks"]} == {"passed"} and len(status["checks"]) == 10
    assert status["initialEnvironment"]["id"] == PLACEHOLDER
    assert "can't be undone" in status["irreversibilityNotice"]

    wrong = driver.confirm("Adele Vans")
    assert wrong.status == 202
    assert driver.wait_attempts(1)[0]["accepted"] is False
    assert driver.status()["phase"] == "AwaitingConfirmation" and driver.setup_starts() == 0

    assert driver.confirm("  adele   VANCE ").status == 202
    driver.host.release_clock()
    linked = driver.wait_phase("Linked", "Failed", "ProvisioningFailed", "ProvisioningTimedOut")
    assert linked["phase"] == "Linked", linked["outcome"]
    assert driver.setup_starts() == 1
    outcome = linked["outcome"]
    assert outcome["disconnectedEnvironment"]["id"] == PLACEHOLDER and outcome["recommendation"]
    assert outcome["audit"]["typedName"] == "  adele   VANCE " and outcome["audit"]["confirmedBy"]["name"] == OPERATOR
    assert outcome["linkedEnvironment"]["dataverseIntegrationId"] == LCS_ENV
    assert linked["provisioning"]["polls"] <= 30

    driver.host.wait_for_status(INSTANCE)
    events = [e["type"] for e in driver.messages("link-events")]
    assert events == ["link.validating", "link.awaiting-confirmation", "link.starting-setup", "link.provisioning",
                      "link.verifying", "link.linked"]
    awaiting = next(e for e in driver.messages("link-events") if e["type"] == "link.awaiting-confirmation")
    assert awaiting["data"]["reviewUrl"] == f"{driver.host.url}/api/links/{INSTANCE}/review"

    again = driver.start()
    assert again.status == 409 and again.json()["instanceId"] == INSTANCE

    audit = driver.host.get(f"/api/links/{INSTANCE}/audit").json()
    assert [(a["typedName"], a["accepted"]) for a in audit["confirmation"]["attempts"]] == [
        ("Adele Vans", False), ("  adele   VANCE ", True)]
    assert audit["confirmation"]["attemptCount"] == 2 and audit["requester"]["channel"] == "http"
    assert audit["setup"]["setupActivityId"] == linked["provisioning"]["setupActivityId"]
    assert audit["setup"]["startedAt"] <= audit["provisioning"]["startedAt"] <= audit["provisioning"]["endedAt"]
    assert audit["outcome"]["result"] == "Linked"
    assert audit["environments"]["target"]["displayName"] == "Contoso Finance UAT"


def test_operator_mode_tells_what_to_click_and_detects_the_setup(driver):
    awaiting_confirmation(driver, setupMode="operator")
    assert driver.confirm(OPERATOR_NAME).status == 202
    waiting = driver.wait_phase("StartingSetup")
    assert any("Use a different Power Platform environment" in step for step in waiting["operatorInstructions"])
    driver.host.release_clock()
    driver.portal_setup(OPERATOR_NAME)
    linked = driver.wait_phase("Linked", "Failed", "ProvisioningFailed", "ProvisioningTimedOut")
    assert linked["phase"] == "Linked", linked["outcome"]
    assert driver.setup_starts() == 1


def test_only_the_operator_or_a_listed_confirmer_may_confirm(driver):
    awaiting_confirmation(driver)
    assert driver.confirm(OPERATOR_NAME, principal=None).status == 401
    refused = driver.confirm(OPERATOR_NAME, principal="mallory@contoso.onmicrosoft.com")
    assert refused.status == 403 and is_problem(refused)
    forged = driver.host.post(f"/api/links/{INSTANCE}/confirm", {"typedName": OPERATOR_NAME},
                              headers={"X-MS-CLIENT-PRINCIPAL-NAME": OPERATOR})
    assert forged.status == 403
    assert driver.status()["confirmation"]["attempts"] == [] and driver.setup_starts() == 0
    assert driver.confirm(OPERATOR_NAME, principal=APPROVER).status == 202
    assert driver.wait_phase("Provisioning")["confirmation"]["confirmedBy"]["name"] == APPROVER
    assert driver.setup_starts() == 1


def test_cancel_before_setup_changes_nothing(driver):
    awaiting_confirmation(driver)
    assert driver.cancel("bought capacity first").status == 202
    cancelled = driver.wait_phase("Cancelled")
    assert cancelled["outcome"]["reason"] == "bought capacity first" and driver.setup_starts() == 0
    assert driver.cancel("again").status == 409
    assert driver.confirm(OPERATOR_NAME).status == 409
    # Nothing irreversible happened, so the environment may be linked by a fresh run.
    driver.host.hold_clock()
    assert driver.start().status == 202
    fresh = driver.wait_phase("AwaitingConfirmation")
    assert fresh["previousRuns"][0]["phase"] == "Cancelled"


def test_confirmation_deadline_in_virtual_time(driver):
    assert driver.start(confirmationTimeout="P3D").status == 202
    expired = driver.wait_phase("ConfirmationExpired")
    assert driver.setup_starts() == 0
    assert expired["confirmation"]["expiresAt"] > expired["timeline"][0]["at"]


def test_stale_confirmation_runs_the_changeable_checks_again(driver):
    awaiting_confirmation(driver)
    capacity_calls = lambda: sum("tenantCapacity" in c["path"] for c in driver.sandbox.calls())
    driver.host.advance_clock(seconds=2 * 3600)
    driver.sandbox.load_scenario("insufficient-capacity")  # capacity was used up meanwhile
    before = capacity_calls()
    assert driver.confirm(OPERATOR_NAME).status == 202
    failed = driver.wait_phase("ValidationFailed", "StartingSetup", "Provisioning")
    assert failed["phase"] == "ValidationFailed"
    assert capacity_calls() == before + 1 and driver.setup_starts() == 0
    assert failed["outcome"]["checks"] == ["dataverse-capacity"]
    # The audit keeps what the confirmer saw apart from what the revalidation found.
    audit = driver.host.get(f"/api/links/{INSTANCE}/audit").json()
    seen = {c["id"]: c["outcome"] for c in audit["checksAtConfirmation"]["checks"]}
    assert seen["dataverse-capacity"] == "passed" and len(seen) == 10
    assert [(c["id"], c["outcome"]) for c in audit["revalidation"]["checks"] if c["id"] == "dataverse-capacity"] == [
        ("dataverse-capacity", "failed")]


def test_provisioning_failure_is_reported(driver):
    driver.reset("provisioning-fails")
    awaiting_confirmation(driver)
    driver.confirm(OPERATOR_NAME)
    driver.host.release_clock()
    failed = driver.wait_phase("ProvisioningFailed", "Linked", "Failed")
    assert failed["phase"] == "ProvisioningFailed" and failed["outcome"]["message"]
    assert driver.setup_starts() == 1


def test_provisioning_past_the_deadline_times_out(driver):
    driver.reset("slow-provisioning")
    awaiting_confirmation(driver)
    driver.confirm(OPERATOR_NAME)
    driver.host.release_clock()
    timed_out = driver.wait_phase("ProvisioningTimedOut", "Linked", "Failed")
    assert timed_out["phase"] == "ProvisioningTimedOut"
    assert driver.start().status == 409  # setup started: the environment is never run twice


@pytest.mark.parametrize("scenario, check_id", [
    ("insufficient-capacity", "dataverse-capacity"),
    ("creation-restricted-no-admin-role", "environment-creation-policy"),
    ("no-finance-license", "operator-license"),
    ("geography-mismatch", "same-geography"),
    ("no-dataverse", "dataverse-ready"),
    ("dynamics-apps-not-enabled", "dataverse-ready"),
    ("not-system-administrator", "dataverse-system-administrator"),
    ("no-lcs-access", "lcs-project-access"),
    ("other-tenant", "same-tenant"),
    ("target-already-linked", "target-not-linked"),
    ("source-already-linked", "source-not-linked"),
])
def test_each_failing_prerequisite_stops_the_run(driver, scenario, check_id):
    driver.reset(scenario)
    assert driver.start().status == 202
    failed = driver.wait_phase("ValidationFailed", "AwaitingConfirmation")
    assert failed["phase"] == "ValidationFailed"
    by_id = {c["id"]: c for c in failed["checks"]}
    assert by_id[check_id]["outcome"] == "failed" and by_id[check_id]["remediation"]
    assert driver.setup_starts() == 0
    driver.host.wait_for_status(INSTANCE)  # the last event is sent just before the run completes
    assert driver.messages("link-events")[-1]["type"] == "link.validation-failed"


def test_preflight_reports_and_changes_nothing(driver):
    answer = driver.host.post("/api/preflight?wait=60", {
        "lcsProjectId": 1234567, "lcsEnvironmentId": LCS_ENV, "powerPlatformEnvironmentId": TARGET,
        "operator": OPERATOR})
    assert answer.status == 200, answer.body
    report = answer.json()
    assert report["phase"] == "Validated" and len(report["checks"]) == 10
    assert driver.setup_starts() == 0 and driver.messages("link-events") == []
    assert driver.host.get(f"/api/links/{INSTANCE}").status == 404


@pytest.mark.parametrize("body, field", [
    ({"lcsProjectId": "x"}, "lcsProjectId"),
    ({"lcsEnvironmentId": "nope"}, "lcsEnvironmentId"),
    ({"operator": "admin"}, "operator"),
    ({"setupMode": "portal"}, "setupMode"),
    ({"confirmationTimeout": "P90D"}, "confirmationTimeout"),
])
def test_bad_input_is_a_problem_document_naming_the_field(driver, body, field):
    answer = driver.start(**body)
    assert answer.status == 400 and is_problem(answer)
    assert field in [e["field"] for e in answer.json()["errors"]]


def test_bodies_that_are_not_json_or_too_large(driver):
    not_json = driver.host.request("POST", "/api/links", raw=b"{not json")
    assert not_json.status == 400 and not_json.json()["errors"][0]["field"] == "(body)"
    huge = driver.host.request("POST", "/api/links", raw=b'{"x": "' + b"a" * 70000 + b'"}')
    assert huge.status == 400
    assert driver.host.get(f"/api/links/{INSTANCE}").status == 404


def test_unknown_link_is_404(driver):
    assert driver.host.get("/api/links/link-00000000-0000-0000-0000-000000000000").status == 404
    assert driver.confirm(OPERATOR_NAME, instance_id="link-00000000-0000-0000-0000-000000000000").status == 404
