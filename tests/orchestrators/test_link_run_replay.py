"""Replay in process, as temporalio's replay tests do: a finished run's history, replayed through the
SDK's real handle, asks for nothing new at any episode boundary and ends with the same output; a
history the code no longer matches is reported as non-deterministic."""

from __future__ import annotations

from typing import Any

import pytest

from devhost import history as h
from devhost.episode import actions_of, problems_of, run_sdk
from devhost.shim import ShimResult, replay_actions
from tests.orchestrators.player import (INSTANCE, IN_PROGRESS, SUCCEEDED, VERIFIED, Player, awaiting, confirm,
                                        link_input, orchestrator, responder)

pytestmark = pytest.mark.timeout(120)


def finished_run(setup_mode: str = "lcs-api", **options: Any) -> Player:
    data = link_input(setupMode=setup_mode)
    data["options"].update(options)
    player = awaiting(Player(data, responder(read_provisioning=[IN_PROGRESS, IN_PROGRESS, SUCCEEDED],
                                             verify_link=VERIFIED)))
    confirm(player, "Adele Vans", "attempt-1")
    confirm(player, "Adele Vance", "attempt-2")
    player.play(timers=True)
    assert player.done
    return player


def replay(events: list[h.Event]) -> tuple[dict[str, Any], ShimResult]:
    played = [dict(e, IsPlayed=True) for e in events]
    result = run_sdk(orchestrator(), INSTANCE, played)
    assert result.error is None, result.error
    return result.state, replay_actions(played, actions_of(result.state))


@pytest.mark.parametrize("setup_mode", ["lcs-api", "operator"])
def test_a_finished_history_replays_to_the_same_output_and_schedules_nothing_new(setup_mode):
    player = finished_run(setup_mode)
    state, shim = replay(player.past)
    assert problems_of(shim) is None and shim.new == []
    assert state["isDone"] and state["output"] == player.output()
    assert state["customStatus"] == player.custom_status


def test_every_episode_boundary_of_the_history_replays_without_asking_for_anything_new():
    player = finished_run(maxPollsPerExecution=100)
    boundaries = [i + 1 for i, e in enumerate(player.past) if e["EventType"] == h.EventType.OrchestratorCompleted]
    assert len(boundaries) > 20
    for end in boundaries:
        state, shim = replay(player.past[:end])
        assert problems_of(shim) is None and shim.new == [], f"episode ending at event {end}: {shim.new}"


def test_a_history_the_code_no_longer_matches_is_reported_as_non_deterministic():
    player = finished_run()
    tampered = [dict(e) for e in player.past]
    setup = next(e for e in tampered if e["EventType"] == h.EventType.TaskScheduled and e["Name"] == "start_setup")
    setup["Name"] = "start_setup_v0"  # what an older release would have called
    _, shim = replay(tampered)
    assert "Non-deterministic workflow detected" in (problems_of(shim) or "")
    assert any("'start_setup'" in problem and "start_setup_v0" in problem for problem in shim.problems)


def test_a_history_that_scheduled_a_timer_where_the_code_calls_an_activity_is_reported():
    player = finished_run()
    tampered = [dict(e) for e in player.past]
    index = next(i for i, e in enumerate(tampered)
                 if e["EventType"] == h.EventType.TaskScheduled and e["Name"] == "verify_link")
    tampered[index] = h.timer_created(player.now, tampered[index]["EventId"], "2026-12-01T10:00:00.000Z")
    _, shim = replay(tampered)
    assert any("history has a timer" in problem for problem in shim.problems), shim.problems
