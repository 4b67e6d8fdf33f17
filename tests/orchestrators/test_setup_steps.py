"""Setup, monitoring and verification in LinkRun, per mode, played through the SDK's real replay.

The mode decides whether the run starts setup or hands a person instructions; the run reads the
activities' typed answers (domain/setup_results.py) in the JSON shapes recorded histories hold.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator

import pytest

from devhost import history as h
from tests.orchestrators.player import Player, awaiting_publish, confirm_event, default_answer, link_input

pytestmark = pytest.mark.timeout(120)
EVIDENCE = {"environmentId": "t", "linkedAppId": "a98e06c0-b563-411f-9431-23b5ed5c93ed"}
VERIFIED = {"verified": True, "evidence": EVIDENCE, "message": "Verified."}


def answers(**by_activity: Any) -> Callable[[str, Any], str]:
    """Answer each named activity from its list in turn (the last answer repeats), others as recorded."""
    queues = {name: iter(items) if isinstance(items, list) else None for name, items in by_activity.items()}
    last: dict[str, Any] = {}

    def answer(name: str, data: Any) -> str:
        if name not in by_activity:
            return default_answer(name, data)
        last[name] = next(queues[name], last.get(name))
        return json.dumps(last[name])
    return answer


def confirmed(mode: str, answer: Callable[[str, Any], str]) -> Player:
    player = Player(link_input(setupMode=mode), answer)
    player.play(keep=awaiting_publish)
    player.step([confirm_event(player.now, "Adele Vance", "attempt-1"), player.take("publish_event")])
    return player


def new_timers(player: Player, since: int) -> Iterator[h.Event]:
    fired = {e["TimerId"] for e in player.past if e["EventType"] == h.EventType.TimerFired}
    for event in player.past[since:]:
        if event["EventType"] == h.EventType.TimerCreated and event["EventId"] not in fired:
            yield h.timer_fired(player.now, event["EventId"], event["FireAt"])


def run_to_end(player: Player) -> dict[str, Any]:
    """Answer activities and fire the timers the run makes from here on until it finishes; its last document."""
    since = len(player.past)  # the confirmation wait's deadline timer is older: it never fires
    while not player.state.get("isDone"):
        events = player.completions() or list(new_timers(player, since))[:1]
        assert events, f"the run waits for nothing: {player.outstanding_names()}"
        player.step(events)
    return player.saved[-1]


def published(player: Player, event_type: str) -> list[dict[str, Any]]:
    return [json.loads(e["Input"]) for e in player.past if e["EventType"] == h.EventType.TaskScheduled
            and e["Name"] == "publish_event" and json.loads(e["Input"])["type"] == event_type]


def test_lcs_api_starts_setup_once_follows_it_and_verifies():
    player = confirmed("lcs-api", answers(
        start_setup=[{"outcome": "started", "setupActivityId": "setup-1", "message": "Setup started."}],
        read_provisioning=[{"state": "InProgress", "phase": "Run", "setupActivityId": "setup-1", "message": None},
                           {"state": "Succeeded", "phase": "Done", "setupActivityId": "setup-1", "message": None}],
        verify_link=[VERIFIED]))
    document = run_to_end(player)
    assert document["phase"] == "Linked" and document["outcome"]["linkedEnvironment"] == EVIDENCE
    assert player.scheduled.count("start_setup") == 1 and player.scheduled.count("read_provisioning") == 2
    assert document["provisioning"]["setupActivityId"] == "setup-1"
    assert document["provisioning"]["lastState"] == "Succeeded" and document["provisioning"]["lastPhase"] == "Done"
    assert document["operatorInstructions"] is None
    assert published(player, "link.starting-setup")[0]["data"] == {}


def test_lcs_api_stops_on_a_conflict_without_watching():
    message = "Lifecycle Services reports Power Platform integration Configured. No new setup was started."
    player = confirmed("lcs-api", answers(start_setup=[{"outcome": "conflict", "setupActivityId": None,
                                                        "message": message}]))
    document = run_to_end(player)
    assert document["phase"] == "Failed" and document["outcome"]["message"] == message
    assert "read_provisioning" not in player.scheduled


def test_lcs_api_waits_out_a_throttled_start_then_adopts():
    player = confirmed("lcs-api", answers(
        start_setup=[{"outcome": "retry", "retryAfterSeconds": 120, "message": "429"},
                     {"outcome": "adopted", "setupActivityId": "portal", "message": "already"}],
        read_provisioning=[{"state": "Succeeded"}], verify_link=[VERIFIED]))
    document = run_to_end(player)
    assert player.scheduled.count("start_setup") == 2
    assert document["phase"] == "Linked" and document["provisioning"]["setupActivityId"] == "portal"


def test_lcs_api_gives_up_when_the_pause_would_pass_its_patience():
    player = confirmed("lcs-api", answers(start_setup=[{"outcome": "retry", "retryAfterSeconds": 7200,
                                                        "message": "Too Many Requests"}]))
    document = run_to_end(player)
    assert document["phase"] == "Failed" and player.scheduled.count("start_setup") == 1
    assert "did not accept the setup request in time: Too Many Requests" in document["outcome"]["message"]


def test_operator_mode_gives_instructions_and_detects_the_start_and_a_silent_failure():
    player = confirmed("operator", answers(read_provisioning=[
        {"state": "NotStarted"}, {"state": "InProgress", "phase": "Updating"}, {"state": "NotStarted"}]))
    document = run_to_end(player)
    assert "start_setup" not in player.scheduled
    steps = published(player, "link.starting-setup")[0]["data"]["operatorInstructions"]
    assert steps == document["operatorInstructions"] and "choose Setup" in steps[2]
    assert [t["phase"] for t in document["timeline"]][-3:] == ["StartingSetup", "Provisioning", "ProvisioningFailed"]
    assert "finished updating without being linked" in document["outcome"]["message"]


def test_an_unknown_reading_is_waited_out_and_a_failed_one_ends_the_run():
    player = confirmed("operator", answers(read_provisioning=[
        {"state": "Unknown", "message": "503", "retryAfterSeconds": None},
        {"state": "Failed", "message": "The target environment was linked to another environment."}]))
    document = run_to_end(player)
    assert document["phase"] == "ProvisioningFailed" and player.scheduled.count("read_provisioning") == 2
    assert document["outcome"]["message"] == "The target environment was linked to another environment."


def test_a_link_that_never_verifies_fails_saying_why():
    player = confirmed("operator", answers(
        read_provisioning=[{"state": "Succeeded", "phase": "Linked"}],
        verify_link=[{"verified": False, "message": "Dataverse reports integration with None", "evidence": None}]))
    document = run_to_end(player)
    assert document["phase"] == "Failed" and player.scheduled.count("verify_link") == 3
    assert document["outcome"]["message"].endswith("could not be verified: Dataverse reports integration with None")
