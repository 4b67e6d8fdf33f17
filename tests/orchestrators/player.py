"""Plays the link orchestration through the SDK's real handle, one episode at a time, with no host.

History is built the way devhost builds it (devhost.history, devhost.shim): each episode is
OrchestratorStarted, the new events, the TaskScheduled/TimerCreated events of what the SDK asked
for, OrchestratorCompleted. Activity answers come from a responder; fact answers are the ones a
real run recorded (tests/fixtures/histories/stop-8). Timers fire when the test says so
(`fire_timer`, or `play(timers=True)` once no activity is left to answer); the clock then jumps to
the timer's moment, as virtual time does. A retried activity's retry timers come from the shim, as
the Durable extension makes them.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import function_app
from devhost import history as h
from devhost.episode import actions_of, custom_status_problem, run_sdk
from devhost.functions import index_app
from devhost.shim import replay_actions
from devhost.timeutil import parse_iso
from orchestrators.projection import CONTRACT_VERSION

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "histories" / "stop-8" / "awaiting-confirmation-wrong-name.json"
INSTANCE = "link-a98e06c0-b563-411f-9431-23b5ed5c93ed"
_HANDLES: dict[str, Any] = {}

FACT_ACTIVITIES = {"gather_operator", "gather_target_environment", "gather_tenant_settings", "gather_capacity",
                   "gather_lcs_environment", "gather_lcs_links", "gather_lcs_integration", "gather_dataverse_roles",
                   "gather_dataverse_integration"}
IN_PROGRESS = {"state": "InProgress", "phase": "Run", "setupActivityId": "setup-1"}
SUCCEEDED = {"state": "Succeeded", "phase": "Finalize", "setupActivityId": "setup-1"}
VERIFIED = {"verified": True, "evidence": {"linkedAppMetadata": {"type": "Linked"}}}


@functools.cache
def recorded_facts() -> dict[str, str]:
    """Activity name -> the result text a real run recorded (validation passes with these)."""
    events = json.loads(FIXTURE.read_text())["executions"][0]["history"]
    names = {e["EventId"]: e["Name"] for e in events if e["EventType"] == h.EventType.TaskScheduled}
    return {names[e["TaskScheduledId"]]: e["Result"] for e in events
            if e["EventType"] == h.EventType.TaskCompleted and names[e["TaskScheduledId"]].startswith("gather_")}


def link_input(version: int | None = CONTRACT_VERSION, **request: Any) -> dict[str, Any]:
    recorded = json.loads(FIXTURE.read_text())["input"]
    data = {"request": {**recorded["request"], **request}, "options": recorded["options"]}
    if version:
        data.update(version=version, runId="run-1")
    return data


def default_answer(name: str, data: Any) -> str:
    facts = recorded_facts()
    if name in facts:
        return facts[name]
    if name == "save_status":
        return json.dumps({"outcome": "written", "version": data["version"]})
    if name == "start_setup":
        return json.dumps({"outcome": "started", "setupActivityId": "setup-1"})
    return "null"


def orchestrator(name: str = "link_environment") -> Any:
    """The SDK's handle of one of the app's orchestrators, as the worker indexes it."""
    if not _HANDLES:
        _HANDLES.update({f.name: f.func for f in index_app(function_app.app) if f.trigger_type == "orchestrationTrigger"})
    return _HANDLES[name]


def responder(**given: Any) -> Callable[[str, Any], str]:
    """default_answer, except for the activities named: a result for every call, or a list of results
    one call after another (the last one repeats)."""
    queues = {name: list(value) if isinstance(value, list) else [value] for name, value in given.items()}

    def answer(name: str, data: Any) -> str:
        if name not in queues:
            return default_answer(name, data)
        queue = queues[name]
        return json.dumps(queue.pop(0) if len(queue) > 1 else queue[0])
    return answer


def fact(name: str, **value: Any) -> dict[str, Any]:
    """A recorded fact result with some of its value's fields changed."""
    recorded = json.loads(recorded_facts()[name])
    return {**recorded, "value": {**recorded["value"], **value}}


class Player:
    def __init__(self, data: dict[str, Any], answer: Callable[[str, Any], str] = default_answer,
                 now: datetime | None = None, execution: str = "execution-1"):
        self.handle = orchestrator()
        self.answer = answer
        self.now = now or datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
        self.past: list[h.Event] = []
        self.outstanding: dict[int, tuple[str, Any]] = {}  # task id -> (activity, input)
        self.timers: dict[int, str] = {}  # task id -> fire at, of the timers neither fired nor cancelled
        self.scheduled: list[str] = []
        self.calls: list[tuple[str, Any]] = []  # every activity scheduled, with its input, in order
        self.saved: list[dict[str, Any]] = []  # the documents save_status was asked to write, in order
        self.state: dict[str, Any] = {}
        self.statuses: list[Any] = []
        started = h.execution_started(self.now, "link_environment", "", json.dumps(data), INSTANCE, execution)
        self.step([started])

    @property
    def custom_status(self) -> Any:
        return self.state.get("customStatus")

    def step(self, new_events: list[h.Event]) -> dict[str, Any]:
        self.now += timedelta(seconds=1)
        fresh = [h.orchestrator_started(self.now), *new_events]
        events = [dict(e, IsPlayed=True) for e in self.past] + fresh
        result = run_sdk(self.handle, INSTANCE, events)
        assert result.error is None, result.error
        self.state = result.state
        self.statuses.append(self.custom_status)
        assert custom_status_problem(self.custom_status) is None
        shim = replay_actions(events, actions_of(result.state))
        assert not shim.problems, shim.problems
        scheduled = []
        for item in shim.new:
            if item.kind == "activity":
                scheduled.append(h.task_scheduled(self.now, item.task_id, item.name, item.input))
                data = json.loads(item.input) if item.input else None
                self.outstanding[item.task_id] = (item.name, data)
                self.scheduled.append(item.name)
                self.calls.append((item.name, data))
            else:
                scheduled.append(h.timer_created(self.now, item.task_id, item.fire_at))
                self.timers[item.task_id] = item.fire_at
        for task_id in shim.canceled_timer_ids:
            self.timers.pop(task_id, None)
        self.past += fresh + scheduled + [h.orchestrator_completed(self.now)]
        return self.state

    def fire_timer(self) -> h.Event:
        """The earliest outstanding timer fires; the clock moves to its moment."""
        task_id, fire_at = min(self.timers.items(), key=lambda item: parse_iso(item[1]))
        del self.timers[task_id]
        self.now = max(self.now, parse_iso(fire_at))
        return h.timer_fired(self.now, task_id, fire_at)

    def fail(self, name: str, reason: str = "boom") -> h.Event:
        """One outstanding activity of this name fails (an exception in the activity function)."""
        task_id = next(t for t, (n, _) in sorted(self.outstanding.items()) if n == name)
        del self.outstanding[task_id]
        return h.task_failed(self.now, task_id, reason, f"Exception: {reason}")

    @property
    def done(self) -> bool:
        return bool(self.state.get("isDone"))

    def output(self) -> Any:
        return self.state.get("output")

    def continued_with(self) -> dict[str, Any] | None:
        """The input the run continued as new with, if its last episode did that."""
        action = next((a for a in actions_of(self.state) if a.get("actionType") == 4), None) if self.done else None
        carried = action and action["input"]
        return json.loads(carried) if isinstance(carried, str) else carried

    def published(self) -> list[str]:
        """The types of the phase events the run asked to publish, in order."""
        return [data["type"] for name, data in self.calls if name == "publish_event"]

    def inputs(self, name: str) -> list[Any]:
        return [data for called, data in self.calls if called == name]

    def completions(self, keep: Callable[[str, Any], bool] = lambda name, data: False) -> list[h.Event]:
        """Answers for every outstanding activity except those `keep` holds back."""
        done = [(task_id, name, data) for task_id, (name, data) in sorted(self.outstanding.items())
                if not keep(name, data)]
        for task_id, _, _ in done:
            del self.outstanding[task_id]
        return [self._completed(task_id, name, data) for task_id, name, data in done]

    def _completed(self, task_id: int, name: str, data: Any) -> h.Event:
        if name == "save_status":
            self.saved.append(data["document"])
        return h.task_completed(self.now, task_id, self.answer(name, data))

    def saved_attempts(self) -> list[tuple[str, bool]]:
        """(attemptId, accepted) of the attempts in the last document written."""
        return [(a["attemptId"], a["accepted"]) for a in self.saved[-1]["confirmation"]["attempts"]]

    def play(self, keep: Callable[[str, Any], bool] = lambda name, data: False, until=lambda player: False,
             timers: bool = False) -> None:
        """Answer activities episode by episode until nothing is left to answer or `until` holds; with
        `timers`, fire the earliest timer whenever no activity is left to answer."""
        while not until(self) and not self.done:
            answers = self.completions(keep)
            if not answers and timers and self.timers:
                answers = [self.fire_timer()]
            if not answers:
                return
            self.step(answers)

    def outstanding_names(self) -> list[str]:
        return [name for name, _ in self.outstanding.values()]

    def take(self, name: str) -> h.Event:
        """The completion of one outstanding activity of this name."""
        task_id = next(t for t, (n, _) in sorted(self.outstanding.items()) if n == name)
        activity, data = self.outstanding.pop(task_id)
        return self._completed(task_id, activity, data)


def confirm_event(at: datetime, typed_name: str, attempt_id: str | None, **extra: Any) -> h.Event:
    payload = {"typedName": typed_name, "by": {"name": "admin@contoso.onmicrosoft.com", "objectId": None}, **extra}
    if attempt_id:
        payload["attemptId"] = attempt_id
    # The Python client sends the payload as JSON text inside JSON (issue #295), as devhost stores it.
    return h.event_raised(at, "Confirm", json.dumps(json.dumps(payload)))


def awaiting_publish(name: str, data: Any) -> bool:
    return name == "publish_event" and data["type"] == "link.awaiting-confirmation"


def awaiting(player: Player) -> Player:
    """Validation done, the phase event published: the run waits, with its deadline timer only."""
    player.play()
    assert player.custom_status["phase"] == "AwaitingConfirmation" and not player.done
    assert player.outstanding_names() == [] and len(player.timers) == 1
    return player


def confirm(player: Player, typed_name: str = "Adele Vance", attempt_id: str = "attempt-1") -> None:
    player.step([confirm_event(player.now, typed_name, attempt_id)])
