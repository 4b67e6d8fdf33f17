"""Determinism check: replay an instance's stored history through its orchestrator and compare.

    from devhost.replay import replay_instance, assert_deterministic
    report = replay_instance(function_app.app, "path/to/state/durable.sqlite3", "link-...")
    assert report.ok, report.problems
    report = replay_history(function_app.app, "link_environment", "link-...", events, "Running")

A replay runs the SDK's real handle over the stored history (every event marked
as played) and checks what the Durable Task Framework would: every sequence id
the orchestrator schedules matches the recorded activity name or timer, nothing
recorded is missing, nothing new is scheduled, and a finished instance finishes
the same way (same output, or a failure again). ``replay_history`` does the same for
a history given as data, such as one recorded by an earlier release.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from . import history as h
from .episode import actions_of, run_sdk
from .functions import index_app
from .shim import replay_actions
from .store import Store


@dataclass(frozen=True)
class ReplayReport:
    instance_id: str
    name: str
    runtime_status: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class NonDeterminismError(AssertionError):
    pass


def _orchestrators(app: Any) -> dict[str, Any]:
    return {f.name: f.func for f in index_app(app) if f.trigger_type == "orchestrationTrigger"}


def _check(handles: dict[str, Any], store: Store, instance_id: str) -> ReplayReport:
    instance = store.get_instance(instance_id)
    if instance is None:
        raise KeyError(f"no instance {instance_id!r} in {store.path}")
    return _replay(handles, instance_id, instance.name, instance.runtime_status, store.history(instance_id))


def _replay(handles: dict[str, Any], instance_id: str, name: str, status: str, history: list[h.Event],
            same_output: bool = True) -> ReplayReport:
    problems: list[str] = []
    handle = handles.get(name)
    if handle is None:
        problems.append(f"the app has no orchestrator named {name!r}")
    elif history:
        events = [dict(e, IsPlayed=True) for e in history]
        result = run_sdk(handle, instance_id, events)
        shim = replay_actions(events, actions_of(result.state))
        problems.extend(shim.problems)
        problems.extend(f"unsupported action {action}" for action in shim.unsupported)
        for item in shim.new:
            what = f"activity {item.name!r}" if item.kind == "activity" else "a timer"
            problems.append(f"task {item.task_id}: the orchestrator now schedules {what}, which history does not have")
        if status in h.ACTIVE and result.error is not None:
            problems.append(f"the replay fails: {result.error}")
        problems.extend(_compare_outcome(status, history, result.state, result.error, same_output))
    return ReplayReport(instance_id, name, status, problems)


def _compare_outcome(status: str, history: list[h.Event], state: dict | None, error: str | None,
                     same_output: bool) -> list[str]:
    completed = next((e for e in history if e["EventType"] == h.EventType.ExecutionCompleted), None)
    if status == "Completed" and completed is not None:
        if error is not None:
            return [f"the instance completed, but the replay fails: {error}"]
        if not (state or {}).get("isDone"):
            return ["the instance completed, but the replay does not finish"]
        if not same_output:
            return []
        recorded = h.parse_json_text(completed.get("Result"))
        replayed = json.loads(json.dumps(state.get("output")))
        if recorded != replayed:
            return [f"the instance returned {recorded!r}, the replay returns {replayed!r}"]
    if status == "Failed" and completed is not None and error is None:
        recorded = completed.get("Result")
        if (state or {}).get("isDone") or not _failed_from_outside(recorded):
            return [f"the instance failed ({recorded}), but the replay does not fail"]
    return []


def _failed_from_outside(recorded: str | None) -> bool:
    # Failures the host decided (non-determinism, unsupported actions) do not come back from the SDK.
    return bool(recorded) and ("Non-deterministic" in recorded or "devhost does not support" in recorded)


def replay_instance(app: Any, db_path: str | Path, instance_id: str) -> ReplayReport:
    """Replay one stored instance through ``app``'s orchestrator; see the module docstring."""
    store = Store(Path(db_path))
    try:
        return _check(_orchestrators(app), store, instance_id)
    finally:
        store.close()


def replay_history(app: Any, name: str, instance_id: str, history: list[h.Event], runtime_status: str,
                   same_output: bool = True) -> ReplayReport:
    """Replay a history given as data (e.g. recorded by an earlier release) through ``app``'s orchestrator.

    ``history`` is one execution's events in the shape devhost stores. For a run in flight
    (``runtime_status`` "Running"), the check is that the recorded prefix replays: every scheduled
    activity and timer matches, nothing new is scheduled, the SDK raises nothing. For a completed
    run, the replay must also finish, with the same output unless ``same_output`` is false (a
    later release may shape its result differently without breaking runs in flight)."""
    return _replay(_orchestrators(app), instance_id, name, runtime_status, history, same_output)


def replay_all(app: Any, db_path: str | Path, statuses: Iterable[str] = h.TERMINAL) -> list[ReplayReport]:
    """Replay every stored instance whose runtime status is in ``statuses``."""
    store = Store(Path(db_path))
    try:
        handles = _orchestrators(app)
        return [_check(handles, store, i.instance_id) for i in store.list_instances(statuses=list(statuses))]
    finally:
        store.close()


def assert_deterministic(app: Any, db_path: str | Path, instance_id: str | None = None) -> list[ReplayReport]:
    """Raise NonDeterminismError listing every problem (one instance, or all finished ones)."""
    reports = [replay_instance(app, db_path, instance_id)] if instance_id else replay_all(app, db_path)
    failing = [r for r in reports if not r.ok]
    if failing:
        lines = [f"{r.name} {r.instance_id} ({r.runtime_status}): " + "; ".join(r.problems) for r in failing]
        raise NonDeterminismError("orchestrations do not replay deterministically:\n" + "\n".join(lines))
    return reports
