"""The confirmation wait with events arriving while the run waits on something else.

The SDK hands a buffered event to every later waiter of its name (azure-functions-durable-python
#507). Here the `link.awaiting-confirmation` publish is held by devhost's activity gate while a
wrong name arrives: the attempt is recorded once, the run still awaits confirmation, nothing is set
up; then the right name links. Each 202 carries the attempt id the run records.
"""

from __future__ import annotations

import pytest

from tests.e2e.support import OPERATOR_NAME

pytestmark = pytest.mark.e2e


def _published(driver, event_type: str) -> bool:
    return any(m["type"] == event_type for m in driver.messages("link-events"))


def test_a_wrong_name_during_the_held_publish_is_recorded_once_then_the_right_name_links(driver):
    host = driver.host
    host.hold_clock()
    assert driver.start().status == 202
    host.wait_until(lambda: _published(driver, "link.validating"))
    host.hold_activity("publish_event")
    try:
        driver.wait_phase("AwaitingConfirmation")
        held = host.wait_until(lambda: (gate := host.activity_gate())["waiting"] and gate)
        assert [w["name"] for w in held["waiting"]] == ["publish_event"]

        wrong = driver.confirm("Adele Vans")
        assert wrong.status == 202
        attempt_id = wrong.json()["attemptId"]
        assert [a["attemptId"] for a in driver.wait_attempts(1)] == [attempt_id]
    finally:
        host.release_activity("publish_event")
    host.wait_until(lambda: _published(driver, "link.awaiting-confirmation"))
    host.wait_idle()
    status = driver.status()
    assert status["phase"] == "AwaitingConfirmation" and driver.setup_starts() == 0
    assert [(a["attemptId"], a["accepted"]) for a in status["confirmation"]["attempts"]] == [(attempt_id, False)]
    assert status["confirmation"]["attemptCount"] == 1

    right = driver.confirm(OPERATOR_NAME)
    assert right.status == 202
    host.release_clock()
    linked = driver.wait_phase("Linked", "Failed", "ProvisioningFailed", "ProvisioningTimedOut")
    assert linked["phase"] == "Linked", linked["outcome"]
    assert [(a["attemptId"], a["accepted"]) for a in linked["confirmation"]["attempts"]] == [
        (attempt_id, False), (right.json()["attemptId"], True)]
    assert driver.setup_starts() == 1


def test_a_cancel_answer_names_its_attempt_and_the_outcome_records_it(driver):
    driver.host.hold_clock()
    assert driver.start().status == 202
    driver.wait_phase("AwaitingConfirmation")
    cancel = driver.cancel("not today")
    assert cancel.status == 202
    cancelled = driver.wait_phase("Cancelled")
    assert cancelled["outcome"]["attemptId"] == cancel.json()["attemptId"]


def test_a_confirm_racing_a_cancel_gets_202_and_its_attempt_id_shows_it_did_nothing(driver):
    """A confirm racing a cancel: both answers are 202; the attempt ids tell the callers which one the run took."""
    host = driver.host
    host.hold_clock()
    assert driver.start().status == 202
    driver.wait_phase("AwaitingConfirmation")
    host.wait_until(lambda: _published(driver, "link.awaiting-confirmation"))
    host.hold_activity("save_status")  # the run has taken the cancel but does not show it yet
    try:
        cancel = driver.cancel("changed my mind")
        assert cancel.status == 202
        host.wait_until(lambda: [w["name"] for w in host.activity_gate()["waiting"]] == ["save_status"])
        confirm = driver.confirm(OPERATOR_NAME)
        assert confirm.status == 202  # the status still said AwaitingConfirmation
    finally:
        host.release_activity("save_status")
    cancelled = driver.wait_phase("Cancelled")
    assert cancelled["outcome"]["attemptId"] == cancel.json()["attemptId"]
    recorded = [a["attemptId"] for a in cancelled["confirmation"]["attempts"]]
    assert confirm.json()["attemptId"] not in recorded and driver.setup_starts() == 0
