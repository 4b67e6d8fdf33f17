"""The confirmation wait replayed through the SDK's real handle with hand-made histories.

The confirm event is recorded before the `link.awaiting-confirmation` publish completes, the order
that made the SDK hand one buffered event to every later waiter (azure-functions-durable-python
#507). Each attempt must be processed once and the run must never loop without new history (a
spinning orchestrator would hang here: the timeout fails the test).
"""

from __future__ import annotations

import json

import pytest

from devhost import history as h
from orchestrators.projection import CONTRACT_VERSION
from tests.orchestrators.player import Player, awaiting_publish, confirm_event, link_input

pytestmark = pytest.mark.timeout(120)


def waiting_with_publish_held() -> Player:
    player = Player(link_input())
    player.play(keep=awaiting_publish)
    assert player.custom_status["phase"] == "AwaitingConfirmation"
    assert player.outstanding_names() == ["publish_event"]
    return player


@pytest.mark.parametrize("same_episode", [False, True])
def test_a_wrong_name_before_the_publish_completes_is_one_attempt(same_episode):
    player = waiting_with_publish_held()
    wrong = confirm_event(player.now, "Adele Vans", "attempt-1")
    if same_episode:
        player.step([wrong, player.take("publish_event")])
    else:
        player.step([wrong])
        player.step([player.take("publish_event")])
    player.play()
    assert not player.state["isDone"]
    assert player.custom_status["phase"] == "AwaitingConfirmation"
    assert player.custom_status["confirmation"]["attemptCount"] == 1
    assert player.saved_attempts() == [("attempt-1", False)]
    assert "start_setup" not in player.scheduled and player.outstanding_names() == []

    player.step([confirm_event(player.now, "Adele Vance", "attempt-2")])
    player.play(until=lambda p: "start_setup" in p.scheduled)
    assert player.saved_attempts() == [("attempt-1", False), ("attempt-2", True)]
    assert player.scheduled.count("start_setup") == 1


def test_the_right_name_before_the_publish_completes_moves_on_once():
    player = waiting_with_publish_held()
    player.step([confirm_event(player.now, "adele   VANCE", "attempt-1")])
    assert "save_status" not in player.outstanding_names()  # nothing moves on before the publish is done
    player.step([player.take("publish_event")])
    player.play(until=lambda p: "start_setup" in p.scheduled)
    assert player.custom_status["phase"] == "StartingSetup"
    assert player.custom_status["confirmation"]["attemptCount"] == 1
    assert player.saved_attempts() == [("attempt-1", True)]
    assert player.scheduled.count("start_setup") == 1


def test_a_confirm_buffered_before_the_wait_is_taken_once_and_the_run_starts_afresh():
    """An event raised while validation still runs (no waiter open) is buffered by the SDK and handed to
    every new waiter; the run records it once, then continues as new instead of looping."""
    player = Player(link_input())
    player.step([confirm_event(player.now, "Adele Vance", "early", runId="an-earlier-run")])
    player.play(keep=awaiting_publish, until=lambda p: p.state.get("isDone"))
    assert player.state["isDone"]
    continued = [a for a in player.state["actions"][0] if a["actionType"] == 4]
    assert len(continued) == 1
    carried = continued[0]["input"]
    carried = json.loads(carried) if isinstance(carried, str) else carried
    assert carried["version"] == CONTRACT_VERSION  # a run keeps its contract across executions
    assert [(a["attemptId"], a["accepted"]) for a in carried["carry"]["confirmation"]["attempts"]] == [("early", False)]
    assert [e["type"] for e in carried["unpublished"]] == ["link.awaiting-confirmation"]
    assert "start_setup" not in player.scheduled


def test_a_cancel_sent_while_validation_runs_is_taken_once():
    """Cancel has one waiter for the whole wait: the SDK's buffered event reaches it once."""
    player = Player(link_input())
    cancel = {"reason": "not now", "by": {"name": "admin@contoso.onmicrosoft.com"}, "attemptId": "cancel-1"}
    player.step([h.event_raised(player.now, "Cancel", json.dumps(json.dumps(cancel)))])
    player.play()
    assert player.state["isDone"] and player.custom_status["phase"] == "Cancelled"
    assert player.saved[-1]["outcome"]["attemptId"] == "cancel-1"
    assert "start_setup" not in player.scheduled


def test_operator_instructions_are_stored_before_the_status_says_starting_setup():
    """A reader who sees StartingSetup in operator mode needs the instructions at once: the document that
    holds them is written before the projection shows the phase."""
    player = Player(link_input(setupMode="operator"))
    player.play(keep=awaiting_publish)
    player.step([confirm_event(player.now, "Adele Vance", "attempt-1"), player.take("publish_event")])
    player.play(until=lambda p: (p.custom_status or {}).get("phase") == "StartingSetup")
    assert player.custom_status["phase"] == "StartingSetup"
    written = player.saved[-1]
    assert written["phase"] == "StartingSetup"
    assert any("Use a different Power Platform environment" in step for step in written["operatorInstructions"])
