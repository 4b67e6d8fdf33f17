"""Fast checks of devhost's building blocks (no processes)."""
import json
from datetime import timedelta
from pathlib import Path

import pytest

from devhost import history as h
from devhost.routing import Router
from devhost.settings import apply_values, expand, load_host_json, load_local_settings
from devhost.shim import replay_actions
from devhost.timeutil import parse_iso, parse_timespan

T0 = parse_iso("2030-01-01T00:00:00Z")


def at(seconds: float):
    return T0 + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    "text, expected",
    [("00:00:30", timedelta(seconds=30)), ("1.02:03:04", timedelta(days=1, hours=2, minutes=3, seconds=4)),
     ("00:00:00.5000000", timedelta(milliseconds=500)), (1500, timedelta(milliseconds=1500))],
)
def test_timespans_are_read_like_dotnet(text, expected):
    assert parse_timespan(text) == expected


def test_routes_prefer_literals_and_honour_constraints_and_optionals():
    router = Router("api")
    router.add("links/{id}", ["GET"], "one")
    router.add("links/{id}/confirm", ["POST"], "confirm")
    router.add("links/preflight", ["GET"], "literal")
    router.add("items/{n:int?}", None, "items")
    assert router.match("GET", "/api/links/preflight") == ("literal", {})
    assert router.match("GET", "/api/links/a%2Fb") == ("one", {"id": "a/b"})
    assert router.match("POST", "/api/links/x/confirm") == ("confirm", {"id": "x"})
    assert router.match("POST", "/api/links/x") is None
    assert router.match("GET", "/api/items") == ("items", {})
    assert router.match("GET", "/api/items/7") == ("items", {"n": "7"})
    assert router.match("GET", "/api/items/seven") is None
    assert router.match("GET", "/links/x") is None


def test_local_settings_come_from_the_example_and_never_override_the_environment(tmp_path: Path):
    (tmp_path / "local.settings.example.json").write_text(json.dumps({"Values": {"A": "from-file", "B": "b"}}))
    settings = load_local_settings(tmp_path)
    assert (tmp_path / "local.settings.json").exists()
    environ = {"A": "from-env"}
    assert apply_values(settings.values, environ) == ["A"]
    assert environ == {"A": "from-env", "B": "b"}


def test_host_json_expands_the_hub_name_and_reads_queue_options(tmp_path: Path):
    (tmp_path / "host.json").write_text(json.dumps({"extensions": {
        "durableTask": {"hubName": "%HUB%", "maxConcurrentActivityFunctions": 3},
        "queues": {"maxDequeueCount": 2, "visibilityTimeout": "00:00:05", "batchSize": 64}}}))
    config = load_host_json(tmp_path, {"HUB": "LinkHub"})
    assert config.durable.hub_name == "LinkHub"
    assert config.durable.max_concurrent_activities == 3
    assert config.queues.max_dequeue_count == 2
    assert config.queues.visibility_timeout == timedelta(seconds=5)
    assert config.queues.batch_size == 32  # the queue service returns at most 32 messages per call
    with pytest.raises(KeyError):
        expand("%MISSING%", {})


def _started():
    return [h.orchestrator_started(at(0)), h.execution_started(at(0), "o", "", None, "i", "e")]


def test_retry_takes_a_timer_between_attempts_and_one_after_the_last():
    retry = {"actionType": 1, "functionName": "flaky", "input": "null",
             "retryOptions": {"firstRetryIntervalInMilliseconds": 1000, "maxNumberOfAttempts": 2}}
    actions = [{"actionType": 12, "compoundActions": [retry]}]
    first = replay_actions(_started(), actions)
    assert [(s.task_id, s.kind) for s in first.new] == [(0, "activity")]

    history = _started() + [
        h.task_scheduled(at(0), 0, "flaky", "null"), h.orchestrator_completed(at(0)),
        h.orchestrator_started(at(5)), h.task_failed(at(5), 0, "boom", ""),
    ]
    after_failure = replay_actions(history, actions)
    assert [(s.task_id, s.kind, s.fire_at) for s in after_failure.new] == [(1, "timer", "2030-01-01T00:00:06.000000Z")]

    history += [h.timer_created(at(5), 1, "2030-01-01T00:00:06.000000Z"), h.orchestrator_completed(at(5)),
                h.orchestrator_started(at(6)), h.timer_fired(at(6), 1, "2030-01-01T00:00:06.000000Z")]
    second_attempt = replay_actions(history, actions)
    assert [(s.task_id, s.kind) for s in second_attempt.new] == [(2, "activity")]

    history += [h.task_scheduled(at(6), 2, "flaky", "null"), h.orchestrator_completed(at(6)),
                h.orchestrator_started(at(7)), h.task_failed(at(7), 2, "boom", "")]
    assert [(s.task_id, s.kind) for s in replay_actions(history, actions).new] == [(3, "timer")]


def test_actions_after_a_pending_one_wait_and_events_are_buffered():
    actions = [
        {"actionType": 6, "externalEventName": "go"},
        {"actionType": 0, "functionName": "next", "input": "1"},
    ]
    assert replay_actions(_started(), actions).new == []
    history = _started() + [h.orchestrator_completed(at(0)), h.orchestrator_started(at(1)),
                            h.event_raised(at(1), "go", "true")]
    assert [s.name for s in replay_actions(history, actions).new] == ["next"]


def test_a_changed_activity_name_is_reported_as_non_determinism():
    history = _started() + [h.task_scheduled(at(0), 0, "old", "null")]
    result = replay_actions(history, [{"actionType": 0, "functionName": "new", "input": "null"}])
    assert result.problems and "'new'" in result.problems[0] and "'old'" in result.problems[0]
    missing = replay_actions(history, [])
    assert missing.problems and "no longer schedules" in missing.problems[0]


def test_status_view_merges_scheduling_into_completions_like_the_extension():
    history = _started() + [
        h.task_scheduled(at(0), 0, "say", '"x"'), h.orchestrator_completed(at(0)),
        h.orchestrator_started(at(1)), h.task_completed(at(1), 0, '"hi"'),
        h.execution_completed(at(1), h.OrchestrationStatus.Completed, '["hi"]'), h.orchestrator_completed(at(1)),
    ]
    view = h.status_view(history, show_output=True)
    assert [e["EventType"] for e in view] == ["ExecutionStarted", "TaskCompleted", "ExecutionCompleted"]
    assert view[0]["FunctionName"] == "o"
    assert view[1]["FunctionName"] == "say" and view[1]["Result"] == "hi"
    assert view[1]["ScheduledTime"] == "2030-01-01T00:00:00.000000Z"
    assert view[2]["OrchestrationStatus"] == "Completed" and view[2]["Result"] == ["hi"]
    assert "Result" not in h.status_view(history, show_output=False)[1]
