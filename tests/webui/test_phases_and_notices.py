import pytest

from tests.webui.support import provisioning_status, status
from webui.notices import REFUSALS, notice_for, refusal_for_status
from domain.run_progress import attempts_marker, confirmed_not_yet_shown, is_final, is_running, timeline_steps


def states(doc):
    return [step.state for step in timeline_steps(doc)]


@pytest.mark.parametrize("phase, expected", [
    ("Validating", ["current", "pending", "pending", "pending", "pending"]),
    ("ValidationFailed", ["failed", "pending", "pending", "pending", "pending"]),
    ("AwaitingConfirmation", ["done", "current", "pending", "pending", "pending"]),
    ("ConfirmationExpired", ["done", "failed", "pending", "pending", "pending"]),
    ("StartingSetup", ["done", "done", "current", "pending", "pending"]),
    ("Verifying", ["done", "done", "done", "done", "current"]),
    ("ProvisioningTimedOut", ["done", "done", "done", "failed", "pending"]),
    ("Linked", ["done", "done", "done", "done", "done"]),
])
def test_each_phase_maps_to_steps(phase, expected):
    # A document as far along as the phase implies: before setup, no confirmation or provisioning.
    base = provisioning_status() if expected[1] == "done" else status()
    assert states(base | {"phase": phase}) == expected


def test_cancel_during_validation_stops_the_first_step():
    doc = status(phase="Cancelled", validatedAt=None, timeline=[{"phase": "Validating", "at": "2025-03-01T10:00:00Z"}])
    assert states(doc)[:2] == ["failed", "pending"]


def test_failure_after_setup_started_stops_provisioning_and_says_why():
    doc = provisioning_status() | {"phase": "Failed", "runtimeStatus": "Failed",
                                   "outcome": {"result": "Failed", "message": "LCS answered 500",
                                               "completedAt": "2025-03-01T10:30:00Z"}}
    steps = timeline_steps(doc)
    assert [s.state for s in steps] == ["done", "done", "done", "failed", "pending"]
    assert steps[3].detail == "LCS answered 500" and steps[3].at == "2025-03-01T10:30:00Z"


def test_preflight_has_only_the_validation_step():
    doc = status(kind="preflight", phase="Validated", runtimeStatus="Completed")
    steps = timeline_steps(doc)
    assert [(s.label, s.state) for s in steps] == [("Validated", "done")]
    assert steps[0].detail == "1 of 2 checks passed"


def test_running_and_final():
    assert is_running(provisioning_status())
    assert not is_running(status())  # waits for a human, does not move by itself
    assert is_final(status(phase="Linked")) and not is_running(status(phase="Linked"))
    assert is_final(status(phase="Provisioning", runtimeStatus="Terminated"))


def test_refusal_codes_become_fixed_messages_and_unknown_codes_are_ignored():
    assert refusal_for_status(403) == "forbidden" and refusal_for_status(502) == "failed"
    assert notice_for({"result": "forbidden"}, status()) == (REFUSALS["forbidden"], "error")
    assert notice_for({"result": "<b>phish</b>"}, status()) == (None, None)
    assert notice_for({}, status()) == (None, None)


def rejected(at, name="Bob"):
    return {"at": at, "typedName": name, "by": "bob@contoso.com", "accepted": False,
            "reason": "name does not match"}


def test_submission_is_pending_until_its_attempt_is_recorded():
    assert notice_for({"submitted": attempts_marker(status())}, status())[1] == "pending"


def test_rejected_attempt_gives_its_reason():
    before = attempts_marker(status())
    doc = status()
    doc["confirmation"]["attempts"] = [rejected("2025-03-01T10:01:00Z")]
    assert notice_for({"submitted": before}, doc) == ("The name you typed was not accepted: name does not match.", "error")
    # The same rejection seen from a later submission is not this submission's verdict.
    assert notice_for({"submitted": attempts_marker(doc)}, doc)[1] == "pending"


def test_a_new_attempt_is_noticed_even_when_the_run_keeps_only_the_newest_attempts():
    full = status()
    full["confirmation"]["attempts"] = [rejected(f"2025-03-01T10:{m:02d}:00Z") for m in range(20)]
    later = status()
    later["confirmation"]["attempts"] = full["confirmation"]["attempts"][1:] + [rejected("2025-03-01T10:30:00Z")]
    assert attempts_marker(later) != attempts_marker(full)
    assert notice_for({"submitted": attempts_marker(full)}, later)[1] == "error"


def test_accepted_attempt_is_a_success_naming_who_confirmed():
    message, kind = notice_for({"submitted": attempts_marker(status())}, provisioning_status())
    assert (message, kind) == ("Confirmed by adele@contoso.onmicrosoft.com. Setup is starting.", "success")
    assert timeline_steps(provisioning_status())[1].detail == "by adele@contoso.onmicrosoft.com"


def test_a_reason_ending_in_a_full_stop_is_not_doubled():
    doc = status()
    doc["confirmation"]["attempts"] = [rejected("2025-03-01T10:01:00Z") | {"reason": "No match."}]
    assert notice_for({"submitted": "0@"}, doc)[0] == "The name you typed was not accepted: No match."



def test_a_confirmation_accepted_before_the_phase_shows_it_is_known():
    """The stored document shows the accepted attempt a moment before the live phase moves on: the
    review page must look again soon, or it stops on "Setup is starting" still AwaitingConfirmation."""
    doc = status()
    doc["confirmation"]["attempts"] = [rejected("2025-03-01T10:01:00Z")]
    assert not confirmed_not_yet_shown(doc)
    doc["confirmation"]["attempts"].append(dict(rejected("2025-03-01T10:02:00Z", "Adele Vance"), accepted=True))
    assert confirmed_not_yet_shown(doc) and not is_running(doc)
    assert not confirmed_not_yet_shown(doc | {"phase": "StartingSetup"})
