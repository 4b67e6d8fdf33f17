"""The Durable client operations the HTTP API serves: start, raise, terminate, suspend, resume, purge
and the status document, each checked against the store and handed to the engine as a ready instance."""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Callable, Collection

from . import history as h
from .clock import Clock
from .settings import DurableOptions
from .store import Instance, Store, new_execution_id
from .timeutil import fmt_event, fmt_status, parse_iso

log = logging.getLogger("devhost")

_INVALID_ID_CHARS = set("/\\?#")


class UnknownOrchestrator(ValueError):
    pass


class InvalidInstanceId(ValueError):
    pass


@dataclass(frozen=True)
class StartResult:
    instance_id: str
    started: bool
    existing: Instance | None = None


class DurableClient:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        options: DurableOptions,
        orchestrators: Collection[str],
        mark_ready: Callable[[str], None],
    ) -> None:
        """``mark_ready`` tells the engine an instance has a new message to run."""
        self.store = store
        self.clock = clock
        self.options = options
        self._orchestrators = orchestrators
        self._mark_ready = mark_ready

    def start_new(self, name: str, instance_id: str | None, input_text: str | None, version: str | None) -> StartResult:
        if name not in self._orchestrators:
            known = ", ".join(f"'{n}'" for n in sorted(self._orchestrators)) or "none"
            raise UnknownOrchestrator(
                f"The function '{name}' doesn't exist, is disabled, or is not an orchestrator function. "
                f"Additional info: the following are the known orchestrator functions: {known}."
            )
        instance_id = instance_id or uuid.uuid4().hex
        if len(instance_id) > 256 or any(c in _INVALID_ID_CHARS or ord(c) < 32 for c in instance_id):
            raise InvalidInstanceId(f"Instance ID '{instance_id}' contains invalid characters or is too long.")
        now = self.clock.now()
        version = self.options.default_version if version is None else version
        started_event = h.execution_started(now, name, version, input_text, instance_id, new_execution_id())
        refuse = h.ACTIVE if self.options.overridable_existing_instance_states.lower() == "nonrunningstates" else (
            frozenset()
        )
        started, existing = self.store.start_instance(
            instance_id, name, version, input_text, fmt_event(now), started_event, refuse
        )
        if not started:
            return StartResult(instance_id, False, existing)
        log.info("instance=%s orchestration %s: scheduled -> Pending", instance_id, name)
        self._mark_ready(instance_id)
        return StartResult(instance_id, True)

    def _post(self, instance_id: str, event: h.Event, refuse: frozenset[str]) -> tuple[Instance | None, bool]:
        instance, posted = self.store.post_message(instance_id, event, refuse)
        if posted:
            self._mark_ready(instance_id)
        return instance, posted

    def raise_event(self, instance_id: str, name: str, data_text: str) -> tuple[Instance | None, bool]:
        return self._post(instance_id, h.event_raised(self.clock.now(), name, data_text), h.TERMINAL)

    def terminate(self, instance_id: str, reason: str | None) -> tuple[Instance | None, bool]:
        return self._post(instance_id, h.execution_terminated(self.clock.now(), reason), h.TERMINAL)

    def suspend(self, instance_id: str, reason: str | None) -> tuple[Instance | None, bool]:
        event = h.event(h.EventType.ExecutionSuspended, self.clock.now(), Reason=reason)
        return self._post(instance_id, event, h.TERMINAL)

    def resume(self, instance_id: str, reason: str | None) -> tuple[Instance | None, bool]:
        event = h.event(h.EventType.ExecutionResumed, self.clock.now(), Reason=reason)
        return self._post(instance_id, event, h.TERMINAL)

    def purge(self, instance_id: str) -> tuple[Instance | None, bool]:
        return self.store.purge(instance_id, h.TERMINAL)

    def status_document(
        self, instance: Instance, show_history: bool, show_history_output: bool, show_input: bool
    ) -> dict:
        document = {
            "name": instance.name,
            "instanceId": instance.instance_id,
            "runtimeStatus": instance.runtime_status,
            "input": h.parse_json_text(instance.input) if show_input else None,
            "customStatus": h.parse_json_text(instance.custom_status),
            "output": h.parse_json_text(instance.output),
            "createdTime": fmt_status(parse_iso(instance.created_time)),
            "lastUpdatedTime": fmt_status(parse_iso(instance.last_updated_time)),
        }
        if show_history and instance.runtime_status != "Pending":
            document["historyEvents"] = h.status_view(self.store.history(instance.instance_id), show_history_output)
        return document
