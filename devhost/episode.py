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


def plan_episode(
    instance: Instance,
    past: list[Event],
    messages: list[Message],
    now: datetime,
    handle_for: Callable[[str], Handle | None],
) -> Episode:
    episode = Episode()
    if instance.runtime_status in h.TERMINAL:
        episode.drop = [m.id for m in messages]
        return episode
    stamp = fmt_event(now)
    fresh: list[Event] = [h.orchestrator_started(now)]
    consumed: list[int] = []
    suspended = instance.runtime_status == "Suspended"
    terminate: Event | None = None
    lifecycle_changed = False
    has_start = bool(past)
    for message in messages:
        if message.execution_id not in (None, instance.execution_id):
            consumed.append(message.id)  # meant for an execution that no longer exists
            continue
        kind = message.event["EventType"]
        if kind == EventType.ExecutionStarted:
            consumed.append(message.id)
            if not has_start:
                fresh.append(message.event)
                has_start = True
        elif kind == EventType.ExecutionTerminated:
            consumed.append(message.id)
            terminate = terminate or message.event
        elif kind in (EventType.ExecutionSuspended, EventType.ExecutionResumed):
            consumed.append(message.id)
            fresh.append(message.event)
            suspended = kind == EventType.ExecutionSuspended
            lifecycle_changed = True
        elif suspended:
            continue  # held until the instance is resumed
        else:
            consumed.append(message.id)
            fresh.append(message.event)

    def commit(status: str, events: list[Event], **changes: Any) -> EpisodeCommit:
        return EpisodeCommit(
            instance_id=instance.instance_id,
            expected_rev=instance.rev,
            consumed=consumed,
            runtime_status=status,
            last_updated_time=stamp,
            append_events=events + [h.orchestrator_completed(now)],
            custom_status=changes.pop("custom_status", instance.custom_status),
            output=changes.pop("output", instance.output),
            **changes,
        )

    if not has_start:
        episode.drop = consumed
        return episode
    if terminate is not None:
        reason = terminate.get("Input")
        events = fresh + [terminate, h.execution_completed(now, OrchestrationStatus.Terminated, reason)]
        episode.commit = commit("Terminated", events, output=reason, end_execution=True)
        return episode
    if suspended:
        if len(fresh) == 1 and not lifecycle_changed:
            episode.drop = []
            return episode
        episode.commit = commit("Suspended", fresh)
        return episode

    handle = handle_for(instance.name)
    events = [dict(e, IsPlayed=True) for e in past] + fresh
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
        message = f"Orchestrator function '{instance.name}' failed: {error}"
        episode.error = message
        done = h.execution_completed(now, OrchestrationStatus.Failed, message)
        kept = instance.custom_status if oversized else custom_text  # an oversized status is never stored
        episode.commit = commit("Failed", fresh + [done], output=message, custom_status=kept, end_execution=True)
        return episode

    scheduled_events: list[Event] = []
    new_activities: list[tuple[int, str, str | None]] = []
    new_timers: list[NewTimer] = []
    for item in shim.new:
        if item.kind == "activity":
            scheduled_events.append(h.task_scheduled(now, item.task_id, item.name or "", item.input))
            new_activities.append((item.task_id, item.name or "", item.input))
        else:
            scheduled_events.append(h.timer_created(now, item.task_id, item.fire_at or stamp))
            if not item.canceled:
                fire_at = parse_iso(item.fire_at or stamp)
                new_timers.append(
                    NewTimer(item.task_id, item.fire_at or stamp, h.timer_fired(fire_at, item.task_id, item.fire_at))
                )
    episode.actions_scheduled = len(shim.new)
    cancel = sorted(shim.canceled_timer_ids)
    if not state.get("isDone"):
        episode.commit = commit(
            "Running",
            fresh + scheduled_events,
            custom_status=custom_text,
            new_activities=new_activities,
            new_timers=new_timers,
            cancel_timers=cancel,
        )
        return episode
    continue_as_new = next((a for a in actions if a.get("actionType") == 4), None)
    if continue_as_new is not None:
        execution_id = new_execution_id()
        # The extension passes the SDK's JSON text on as an object, so it is serialized once more.
        started = h.execution_started(
            now,
            instance.name,
            instance.version,
            json.dumps(continue_as_new.get("input")),
            instance.instance_id,
            execution_id,
        )
        episode.continued_as_new = True
        episode.commit = commit(
            "Running",
            [],
            custom_status=custom_text,
            output=None,
            end_execution=True,
            continue_as_new=(execution_id, started),
        )
        return episode
    output = json.dumps(state.get("output"))
    done = h.execution_completed(now, OrchestrationStatus.Completed, output)
    episode.commit = commit(
        "Completed",
        fresh + scheduled_events + [done],
        custom_status=custom_text,
        output=output,
        end_execution=True,
    )
    return episode
