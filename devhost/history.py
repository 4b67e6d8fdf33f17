"""History events in the Durable Task shape (PascalCase, numeric EventType) and their status-API view."""
from __future__ import annotations

import json
from datetime import datetime
from enum import IntEnum
from typing import Any, Iterable

from .timeutil import fmt_event


class EventType(IntEnum):
    ExecutionStarted = 0
    ExecutionCompleted = 1
    ExecutionFailed = 2
    ExecutionTerminated = 3
    TaskScheduled = 4
    TaskCompleted = 5
    TaskFailed = 6
    SubOrchestrationInstanceCreated = 7
    SubOrchestrationInstanceCompleted = 8
    SubOrchestrationInstanceFailed = 9
    TimerCreated = 10
    TimerFired = 11
    OrchestratorStarted = 12
    OrchestratorCompleted = 13
    EventSent = 14
    EventRaised = 15
    ContinueAsNew = 16
    GenericEvent = 17
    HistoryState = 18
    ExecutionSuspended = 19
    ExecutionResumed = 20


class OrchestrationStatus(IntEnum):
    Running = 0
    Completed = 1
    ContinuedAsNew = 2
    Failed = 3
    Canceled = 4
    Terminated = 5
    Pending = 6
    Suspended = 7


TERMINAL = frozenset({"Completed", "Failed", "Terminated", "Canceled"})
ACTIVE = frozenset({"Running", "Pending", "ContinuedAsNew", "Suspended"})

Event = dict[str, Any]


def event(kind: EventType, at: datetime, event_id: int = -1, **fields: Any) -> Event:
    record: Event = {"EventType": int(kind), "EventId": event_id, "IsPlayed": False, "Timestamp": fmt_event(at)}
    record.update(fields)
    return record


def orchestrator_started(at: datetime) -> Event:
    return event(EventType.OrchestratorStarted, at)


def orchestrator_completed(at: datetime) -> Event:
    return event(EventType.OrchestratorCompleted, at)


def execution_started(
    at: datetime, name: str, version: str, input_text: str | None, instance_id: str, execution_id: str
) -> Event:
    return event(
        EventType.ExecutionStarted,
        at,
        Name=name,
        Version=version,
        Input=input_text,
        OrchestrationInstance={"InstanceId": instance_id, "ExecutionId": execution_id},
        ParentInstance=None,
        Tags=None,
    )


def execution_completed(at: datetime, status: OrchestrationStatus, result: str | None) -> Event:
    return event(EventType.ExecutionCompleted, at, OrchestrationStatus=int(status), Result=result)


def task_scheduled(at: datetime, task_id: int, name: str, input_text: str | None) -> Event:
    return event(EventType.TaskScheduled, at, task_id, Name=name, Version="", Input=input_text)


def task_completed(at: datetime, task_id: int, result: str | None) -> Event:
    return event(EventType.TaskCompleted, at, TaskScheduledId=task_id, Result=result)


def task_failed(at: datetime, task_id: int, reason: str, details: str) -> Event:
    return event(EventType.TaskFailed, at, TaskScheduledId=task_id, Reason=reason, Details=details)


def timer_created(at: datetime, timer_id: int, fire_at: str) -> Event:
    return event(EventType.TimerCreated, at, timer_id, FireAt=fire_at)


def timer_fired(at: datetime, timer_id: int, fire_at: str) -> Event:
    return event(EventType.TimerFired, at, TimerId=timer_id, FireAt=fire_at)


def event_raised(at: datetime, name: str, input_text: str | None) -> Event:
    return event(EventType.EventRaised, at, Name=name, Input=input_text)


def execution_terminated(at: datetime, reason: str | None) -> Event:
    return event(EventType.ExecutionTerminated, at, Input=reason)


def parse_json_text(value: str | None) -> Any:
    """Like the extension's ParseToJToken: JSON when it parses, else the raw text (e.g. terminate reasons)."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return ""
    try:
        return json.loads(text)
    except ValueError:
        return value


def status_view(history: Iterable[Event], show_output: bool) -> list[Event]:
    """Shape stored history as the extension's status API returns it (historyEvents)."""
    items = [dict(e) for e in history]
    scheduled: dict[tuple[str, int], tuple[int, str, str]] = {}
    drop: set[int] = set()
    for index, item in enumerate(items):
        kind = EventType(item["EventType"])
        item["EventType"] = kind.name
        if kind in (EventType.TaskScheduled, EventType.SubOrchestrationInstanceCreated):
            scheduled[(kind.name, item["EventId"])] = (index, item.get("Name"), item["Timestamp"])
            item.pop("Version", None)
            item.pop("Input", None)
        elif kind in (
            EventType.TaskCompleted,
            EventType.TaskFailed,
            EventType.SubOrchestrationInstanceCompleted,
            EventType.SubOrchestrationInstanceFailed,
        ):
            prefix = "TaskScheduled" if kind in (EventType.TaskCompleted, EventType.TaskFailed) else (
                "SubOrchestrationInstanceCreated"
            )
            origin = scheduled.get((prefix, item.get("TaskScheduledId")))
            if origin:
                item["ScheduledTime"] = origin[2]
                item["FunctionName"] = origin[1]
                drop.add(origin[0])
            item.pop("TaskScheduledId", None)
            if kind in (EventType.TaskCompleted, EventType.SubOrchestrationInstanceCompleted):
                if show_output:
                    item["Result"] = parse_json_text(item.get("Result"))
                else:
                    item.pop("Result", None)
        elif kind is EventType.ExecutionStarted:
            item["FunctionName"] = item.pop("Name", None)
            for key in ("OrchestrationInstance", "ParentInstance", "Version", "Tags", "Input"):
                item.pop(key, None)
        elif kind is EventType.ExecutionCompleted:
            item["OrchestrationStatus"] = OrchestrationStatus(item["OrchestrationStatus"]).name
            if show_output:
                item["Result"] = parse_json_text(item.get("Result"))
            else:
                item.pop("Result", None)
        elif kind in (EventType.ExecutionTerminated, EventType.EventRaised):
            item.pop("Input", None)
        elif kind is EventType.TimerFired:
            item.pop("TimerId", None)
        elif kind in (EventType.OrchestratorStarted, EventType.OrchestratorCompleted):
            drop.add(index)
        item.pop("EventId", None)
        item.pop("IsPlayed", None)
    return [item for index, item in enumerate(items) if index not in drop]
