"""The host side of the out-of-process orchestration protocol.

The Python SDK returns every action scheduled so far (schema V2+). The Durable
extension replays those actions in its own Durable Task Framework context
("OutOfProcOrchestrationShim"): it awaits each action in order, fans out the
children of WhenAll/WhenAny, runs retry loops (activity, then a timer, then the
activity again...) and hands out sequence ids as that code reaches them, in
history order. This module reproduces that, so the ids of new TaskScheduled /
TimerCreated events match the ones the SDK expects, and it reports
non-determinism (a replayed action that differs from history) the way the
framework would.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Generator, Iterable

from .history import Event, EventType
from .timeutil import fmt_event, parse_iso

ACTION_NAMES = {
    0: "CallActivity",
    1: "CallActivityWithRetry",
    2: "CallSubOrchestrator",
    3: "CallSubOrchestratorWithRetry",
    4: "ContinueAsNew",
    5: "CreateTimer",
    6: "WaitForExternalEvent",
    7: "CallEntity",
    8: "CallHttp",
    9: "SignalEntity",
    10: "ScheduledSignalEntity",
    11: "WhenAny",
    12: "WhenAll",
}


@dataclass
class Scheduled:
    """Something the orchestration scheduled that takes a sequence id."""

    task_id: int
    kind: str  # "activity" | "timer"
    name: str | None = None
    input: str | None = None
    fire_at: str | None = None
    canceled: bool = False


@dataclass
class ShimResult:
    scheduled: dict[int, Scheduled] = field(default_factory=dict)
    new: list[Scheduled] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)

    @property
    def canceled_timer_ids(self) -> set[int]:
        return {s.task_id for s in self.scheduled.values() if s.kind == "timer" and s.canceled}


class _Task:
    __slots__ = ("done", "failed", "_callbacks")

    def __init__(self) -> None:
        self.done = False
        self.failed = False
        self._callbacks: list[Callable[["_Task"], None]] = []

    def resolve(self, failed: bool = False) -> None:
        if self.done:
            return
        self.done, self.failed = True, failed
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(self)

    def on_done(self, callback: Callable[["_Task"], None]) -> None:
        if self.done:
            callback(self)
        else:
            self._callbacks.append(callback)


class _Failed(Exception):
    """Raised inside a simulated coroutine to fault its task."""


def _resolved(failed: bool = False) -> _Task:
    task = _Task()
    task.resolve(failed)
    return task


class Shim:
    def __init__(self, history: Iterable[Event]) -> None:
        self._history = list(history)
        self._now: datetime | None = None
        self._next_id = 0
        self._pending: dict[int, _Task] = {}
        self._early: dict[int, bool] = {}
        self._waiters: dict[str, deque[_Task]] = {}
        self._buffered: dict[str, int] = {}
        self.result = ShimResult()

    # -- public -------------------------------------------------------------
    def run(self, actions: list[dict[str, Any]]) -> ShimResult:
        confirmed: dict[int, Event] = {}
        for item in self._history:
            kind = item["EventType"]
            if kind == EventType.OrchestratorStarted:
                moment = parse_iso(item["Timestamp"])
                self._now = moment if self._now is None or moment > self._now else self._now
            elif kind == EventType.ExecutionStarted:
                self._spawn(self._main(actions))
            elif kind in (EventType.TaskScheduled, EventType.TimerCreated, EventType.SubOrchestrationInstanceCreated):
                confirmed[item["EventId"]] = item
            elif kind == EventType.TaskCompleted:
                self._complete(item["TaskScheduledId"], failed=False)
            elif kind == EventType.TaskFailed:
                self._complete(item["TaskScheduledId"], failed=True)
            elif kind == EventType.TimerFired:
                self._complete(item["TimerId"], failed=False)
            elif kind == EventType.EventRaised:
                self._deliver(item.get("Name") or "")
        self._compare(confirmed)
        return self.result

    # -- history comparison -------------------------------------------------
    def _compare(self, confirmed: dict[int, Event]) -> None:
        for task_id, scheduled in sorted(self.result.scheduled.items()):
            recorded = confirmed.get(task_id)
            if recorded is None:
                self.result.new.append(scheduled)
                continue
            kind = recorded["EventType"]
            if scheduled.kind == "activity":
                if kind != EventType.TaskScheduled or recorded.get("Name") != scheduled.name:
                    self.result.problems.append(
                        f"task {task_id}: the orchestrator now calls activity {scheduled.name!r}, "
                        f"history has {_describe(recorded)}"
                    )
            elif kind != EventType.TimerCreated:
                self.result.problems.append(
                    f"task {task_id}: the orchestrator now creates a timer, history has {_describe(recorded)}"
                )
        for task_id, recorded in sorted(confirmed.items()):
            if task_id not in self.result.scheduled:
                self.result.problems.append(
                    f"task {task_id}: history has {_describe(recorded)}, which the orchestrator no longer schedules"
                )

    # -- simulated framework ------------------------------------------------
    def _spawn(self, coroutine: Generator[_Task, None, None]) -> _Task:
        done = _Task()

        def advance(_: _Task | None = None) -> None:
            while True:
                try:
                    awaited = next(coroutine)
                except StopIteration:
                    done.resolve(False)
                    return
                except _Failed:
                    done.resolve(True)
                    return
                if not awaited.done:
                    awaited.on_done(advance)
                    return

        advance()
        return done

    def _main(self, actions: list[dict[str, Any]]) -> Generator[_Task, None, None]:
        # Schema V2: the extension awaits each action before it looks at the next one.
        for action in actions:
            yield self._invoke(action)

    def _invoke(self, action: dict[str, Any]) -> _Task:
        action_type = action.get("actionType")
        if action_type == 0:
            return self._schedule(Scheduled(-1, "activity", action.get("functionName"), action.get("input")))
        if action_type == 1:
            return self._spawn(self._retry(action))
        if action_type == 4:
            return _resolved()
        if action_type == 5:
            fire_at = fmt_event(parse_iso(action["fireAt"]))
            scheduled = Scheduled(-1, "timer", fire_at=fire_at, canceled=bool(action.get("isCanceled")))
            task = self._schedule(scheduled)
            # A canceled timer completes (as canceled) at once, as with a cancelled token in .NET.
            return _resolved(True) if scheduled.canceled else task
        if action_type == 6:
            return self._wait_event(action.get("externalEventName") or "")
        if action_type in (11, 12):
            children = [self._invoke(child) for child in action.get("compoundActions") or []]
            return self._when_any(children) if action_type == 11 else self._when_all(children)
        self.result.unsupported.append(ACTION_NAMES.get(action_type, f"actionType {action_type}"))
        return _Task()  # never completes: the engine fails the orchestration

    def _retry(self, action: dict[str, Any]) -> Generator[_Task, None, None]:
        options = action.get("retryOptions") or {}
        first = timedelta(milliseconds=float(options.get("firstRetryIntervalInMilliseconds", 0)))
        attempts = int(options.get("maxNumberOfAttempts", 1))
        backoff = float(options.get("backoffCoefficient", 1.0))
        max_interval_ms = options.get("maxRetryIntervalInMilliseconds")
        timeout_ms = options.get("retryTimeoutInMilliseconds")
        started = self._now
        for attempt in range(attempts):
            task = self._schedule(Scheduled(-1, "activity", action.get("functionName"), action.get("input")))
            yield task
            if not task.failed:
                return
            delay = first * (backoff**attempt)
            if max_interval_ms is not None:
                delay = min(delay, timedelta(milliseconds=float(max_interval_ms)))
            if timeout_ms is not None and started is not None and self._now is not None:
                if self._now >= started + timedelta(milliseconds=float(timeout_ms)):
                    break
            if delay <= timedelta(0):
                break
            # Like the framework, it waits once more after the last failed attempt before giving up.
            yield self._schedule(Scheduled(-1, "timer", fire_at=fmt_event(self._now + delay)))
        raise _Failed()

    def _schedule(self, scheduled: Scheduled) -> _Task:
        scheduled.task_id = self._next_id
        self._next_id += 1
        self.result.scheduled[scheduled.task_id] = scheduled
        task = _Task()
        if scheduled.task_id in self._early:
            task.resolve(self._early.pop(scheduled.task_id))
        else:
            self._pending[scheduled.task_id] = task
        return task

    def _complete(self, task_id: int, failed: bool) -> None:
        task = self._pending.pop(task_id, None)
        if task is None:
            self._early[task_id] = failed
        else:
            task.resolve(failed)

    def _wait_event(self, name: str) -> _Task:
        if self._buffered.get(name):
            self._buffered[name] -= 1
            return _resolved()
        task = _Task()
        self._waiters.setdefault(name, deque()).append(task)
        return task

    def _deliver(self, name: str) -> None:
        waiters = self._waiters.get(name)
        if waiters:
            waiters.popleft().resolve()
        else:
            self._buffered[name] = self._buffered.get(name, 0) + 1

    @staticmethod
    def _when_all(children: list[_Task]) -> _Task:
        combined = _Task()
        remaining = [len(children)]
        faulted = [False]
        if not children:
            combined.resolve()
            return combined

        def child_done(child: _Task) -> None:
            remaining[0] -= 1
            faulted[0] = faulted[0] or child.failed
            if remaining[0] == 0:
                combined.resolve(faulted[0])

        for child in children:
            child.on_done(child_done)
        return combined

    @staticmethod
    def _when_any(children: list[_Task]) -> _Task:
        combined = _Task()
        for child in children:
            child.on_done(lambda _child: combined.resolve())
        return combined


def _describe(recorded: Event) -> str:
    kind = EventType(recorded["EventType"])
    if kind == EventType.TaskScheduled:
        return f"activity {recorded.get('Name')!r}"
    if kind == EventType.TimerCreated:
        return f"a timer (fireAt {recorded.get('FireAt')})"
    return kind.name


def replay_actions(history: Iterable[Event], actions: list[dict[str, Any]]) -> ShimResult:
    return Shim(history).run(actions)
