"""One orchestrator episode: new events in, the SDK's handle run over host-shaped history, changes out."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

import azure.functions as func

from . import history as h
from .history import Event, EventType, OrchestrationStatus
from .shim import ShimResult, replay_actions
from .store import EpisodeCommit, Instance, Message, NewTimer, new_execution_id
from .timeutil import fmt_event, fmt_timespan, parse_iso

OUT_OF_PROC_MARKER = "$OutOfProcData$:"
# The extension's limit on an out-of-process orchestration's custom status (durable extension PR #3113):
# UTF-16 size in whole KB, as it computes it, above 16 fails the orchestration.
MAX_CUSTOM_STATUS_KB = 16
# The Azure Storage provider's limits, which the extension passes to the SDK: longer timers are split.
MAXIMUM_SHORT_TIMER = timedelta(days=6)
LONG_TIMER_INTERVAL = timedelta(days=3)
# The SDK's ActionType.CONTINUE_AS_NEW.
CONTINUE_AS_NEW_ACTION = 4

Handle = Callable[[func.OrchestrationContext], str]


@dataclass
class Episode:
    commit: EpisodeCommit | None = None
    drop: list[int] = field(default_factory=list)
    error: str | None = None
    actions_scheduled: int = 0
    continued_as_new: bool = False


@dataclass(frozen=True)
class SdkResult:
    state: dict[str, Any] | None
    error: str | None


def context_json(instance_id: str, events: list[Event]) -> str:
    """The orchestration trigger value, as the extension builds it (OrchestrationContextToString)."""
    started = next((e for e in events if e["EventType"] == EventType.ExecutionStarted), None)
    input_text = started.get("Input") if started else None
    return json.dumps(
        {
            "history": events,
            "input": h.parse_json_text(input_text),
            "instanceId": instance_id,
            "isReplaying": any(e["IsPlayed"] for e in events),
            "parentInstanceId": None,
            "upperSchemaVersion": 1,
            "upperSchemaVersionNew": 3,
            "longRunningTimerIntervalDuration": fmt_timespan(LONG_TIMER_INTERVAL),
            "maximumShortTimerDuration": fmt_timespan(MAXIMUM_SHORT_TIMER),
            "defaultHttpAsyncRequestSleepTimeMillseconds": 30000,
        }
    )


def run_sdk(handle: Handle, instance_id: str, events: list[Event]) -> SdkResult:
    """Call the SDK's orchestrator handle; a failure carries its state after the out-of-proc marker."""
    try:
        text = handle(func.OrchestrationContext(context_json(instance_id, events)))
        state = json.loads(text) if isinstance(text, str) else text
        return SdkResult(state, None)
    except Exception as failure:
        message = str(failure)
        if OUT_OF_PROC_MARKER in message:
            head, _, tail = message.partition(OUT_OF_PROC_MARKER)
            try:
                state = json.loads(tail)
            except ValueError:
                state = None
            error = (state or {}).get("error") or head.strip() or type(failure).__name__
            return SdkResult(state, error)
        return SdkResult(None, f"{type(failure).__name__}: {message}")


def actions_of(state: dict[str, Any] | None) -> list[dict[str, Any]]:
    actions = (state or {}).get("actions") or []
    flat: list[dict[str, Any]] = []
    for group in actions:  # schema V2+: one inner list; V1 lists are flattened the same way
        flat.extend(group if isinstance(group, list) else [group])
    return flat


def custom_status_problem(custom: Any) -> str | None:
    """The extension's check, with its message: the status is measured as compact JSON text in UTF-16."""
    if custom is None:
        return None
    text = json.dumps(custom, separators=(",", ":"), ensure_ascii=False)
    size_kb = int(len(text.encode("utf-16-le")) / 1024)
    if size_kb > MAX_CUSTOM_STATUS_KB:
        return f"CustomStatus is too large: limit = {MAX_CUSTOM_STATUS_KB} KB (UTF-16), actual = {size_kb} KB."
    return None


def problems_of(shim: ShimResult) -> str | None:
    if shim.unsupported:
        return "devhost does not support these orchestration actions: " + ", ".join(sorted(set(shim.unsupported)))
    if shim.problems:
        return "Non-deterministic workflow detected: " + "; ".join(shim.problems)
    return None


@dataclass
class Inbox:
    """One episode's messages, sorted as the extension does: what enters history, what is consumed,
    and the lifecycle requests (start, terminate, suspend, resume) among them."""

    fresh: list[Event]
    has_start: bool
    suspended: bool
    consumed: list[int] = field(default_factory=list)
    terminate: Event | None = None
    lifecycle_changed: bool = False


def read_inbox(instance: Instance, has_past: bool, messages: list[Message], now: datetime) -> Inbox:
    inbox = Inbox([h.orchestrator_started(now)], has_past, instance.runtime_status == "Suspended")
    for message in messages:
        if message.execution_id not in (None, instance.execution_id):
            inbox.consumed.append(message.id)  # meant for an execution that no longer exists
            continue
        kind = message.event["EventType"]
        if kind == EventType.ExecutionStarted:
            inbox.consumed.append(message.id)
            if not inbox.has_start:
                inbox.fresh.append(message.event)
                inbox.has_start = True
        elif kind == EventType.ExecutionTerminated:
            inbox.consumed.append(message.id)
            inbox.terminate = inbox.terminate or message.event
        elif kind in (EventType.ExecutionSuspended, EventType.ExecutionResumed):
            inbox.consumed.append(message.id)
            inbox.fresh.append(message.event)
            inbox.suspended = kind == EventType.ExecutionSuspended
            inbox.lifecycle_changed = True
        elif inbox.suspended:
            continue  # held until the instance is resumed
        else:
            inbox.consumed.append(message.id)
            inbox.fresh.append(message.event)
    return inbox


@dataclass(frozen=True)
class Turn:
    """The instance as the episode found it, the moment it runs and its sorted messages."""

    instance: Instance
    now: datetime
    inbox: Inbox

    def commit(self, status: str, events: list[Event], **changes: Any) -> EpisodeCommit:
        """The episode's one transaction; custom status and output stay as they are unless given."""
        return EpisodeCommit(
            instance_id=self.instance.instance_id,
            expected_rev=self.instance.rev,
            consumed=self.inbox.consumed,
            runtime_status=status,
            last_updated_time=fmt_event(self.now),
            append_events=events + [h.orchestrator_completed(self.now)],
            custom_status=changes.pop("custom_status", self.instance.custom_status),
            output=changes.pop("output", self.instance.output),
            **changes,
        )


@dataclass(frozen=True)
class Scheduling:
    """What the orchestrator's new actions add: history events, activity work items, timers."""

    events: list[Event]
    activities: list[tuple[int, str, str | None]]
    timers: list[NewTimer]


def plan_episode(
    instance: Instance,
    past: list[Event],
    messages: list[Message],
    now: datetime,
    handle_for: Callable[[str], Handle | None],
) -> Episode:
    if instance.runtime_status in h.TERMINAL:
        return Episode(drop=[m.id for m in messages])
    turn = Turn(instance, now, read_inbox(instance, bool(past), messages, now))
    decided = lifecycle_episode(turn)
    if decided is not None:
        return decided
    return replay_episode(turn, past, handle_for)


def lifecycle_episode(turn: Turn) -> Episode | None:
    """The episodes decided without the orchestrator: not started yet, terminated, suspended."""
    inbox = turn.inbox
    if not inbox.has_start:
        return Episode(drop=inbox.consumed)
    if inbox.terminate is not None:
        reason = inbox.terminate.get("Input")
        done = h.execution_completed(turn.now, OrchestrationStatus.Terminated, reason)
        events = inbox.fresh + [inbox.terminate, done]
        return Episode(commit=turn.commit("Terminated", events, output=reason, end_execution=True))
    if inbox.suspended:
        if len(inbox.fresh) == 1 and not inbox.lifecycle_changed:
            return Episode()
        return Episode(commit=turn.commit("Suspended", inbox.fresh))
    return None


def replay_episode(turn: Turn, past: list[Event], handle_for: Callable[[str], Handle | None]) -> Episode:
    """Run the SDK's handle over the whole history, then fail, schedule, continue as new or complete."""
    instance = turn.instance
    handle = handle_for(instance.name)
    events = [dict(e, IsPlayed=True) for e in past] + turn.inbox.fresh
    if handle is None:
        result = SdkResult(None, f"The orchestrator function '{instance.name}' does not exist in this app")
    else:
        result = run_sdk(handle, instance.instance_id, events)
    state = result.state or {}
    custom = state.get("customStatus")
    custom_text = json.dumps(custom) if custom is not None else None
    actions = actions_of(result.state)
    shim = replay_actions(events, actions)
    oversized = custom_status_problem(custom)
    error = result.error or problems_of(shim) or oversized
    if error:
        kept = instance.custom_status if oversized else custom_text  # an oversized status is never stored
        return failed_episode(turn, error, kept)
    episode = Episode(actions_scheduled=len(shim.new))
    episode.commit = (
        running_commit(turn, shim, custom_text)
        if not state.get("isDone")
        else finished_commit(turn, state, actions, shim, custom_text)
    )
    episode.continued_as_new = episode.commit.continue_as_new is not None
    return episode


def failed_episode(turn: Turn, error: str, custom_text: str | None) -> Episode:
    message = f"Orchestrator function '{turn.instance.name}' failed: {error}"
    done = h.execution_completed(turn.now, OrchestrationStatus.Failed, message)
    commit = turn.commit("Failed", turn.inbox.fresh + [done], output=message, custom_status=custom_text,
                         end_execution=True)
    return Episode(commit=commit, error=message)


def scheduling(shim: ShimResult, now: datetime) -> Scheduling:
    stamp = fmt_event(now)
    done = Scheduling([], [], [])
    for item in shim.new:
        if item.kind == "activity":
            done.events.append(h.task_scheduled(now, item.task_id, item.name or "", item.input))
            done.activities.append((item.task_id, item.name or "", item.input))
            continue
        done.events.append(h.timer_created(now, item.task_id, item.fire_at or stamp))
        if not item.canceled:
            fire_at = parse_iso(item.fire_at or stamp)
            done.timers.append(
                NewTimer(item.task_id, item.fire_at or stamp, h.timer_fired(fire_at, item.task_id, item.fire_at))
            )
    return done


def running_commit(turn: Turn, shim: ShimResult, custom_text: str | None) -> EpisodeCommit:
    scheduled = scheduling(shim, turn.now)
    return turn.commit(
        "Running",
        turn.inbox.fresh + scheduled.events,
        custom_status=custom_text,
        new_activities=scheduled.activities,
        new_timers=scheduled.timers,
        cancel_timers=sorted(shim.canceled_timer_ids),
    )


def finished_commit(
    turn: Turn, state: dict[str, Any], actions: list[dict[str, Any]], shim: ShimResult, custom_text: str | None
) -> EpisodeCommit:
    """The orchestrator is done: it either continued as new or completed with its output."""
    continue_as_new = next((a for a in actions if a.get("actionType") == CONTINUE_AS_NEW_ACTION), None)
    if continue_as_new is not None:
        instance = turn.instance
        execution_id = new_execution_id()
        # The extension passes the SDK's JSON text on as an object, so it is serialized once more.
        started = h.execution_started(
            turn.now,
            instance.name,
            instance.version,
            json.dumps(continue_as_new.get("input")),
            instance.instance_id,
            execution_id,
        )
        return turn.commit(
            "Running",
            [],
            custom_status=custom_text,
            output=None,
            end_execution=True,
            continue_as_new=(execution_id, started),
        )
    output = json.dumps(state.get("output"))
    done = h.execution_completed(turn.now, OrchestrationStatus.Completed, output)
    return turn.commit(
        "Completed",
        turn.inbox.fresh + scheduling(shim, turn.now).events + [done],
        custom_status=custom_text,
        output=output,
        end_execution=True,
    )
