"""The wait for a typed-name confirmation, a cancel or the deadline: each event processed once.

The pinned SDK (azure-functions-durable 1.7.0) buffers an event that arrives while no waiter of
its name is open, and hands that buffered event to *every* later waiter of the name in the same
replay (azure-functions-durable-python issue #507): the buffer is never emptied. So:

- A confirm waiter is always open while the run can receive a confirmation: the first one is
  opened in the same episode that makes the status say AwaitingConfirmation, and the next one is
  opened before anything else is awaited. Work that must go on meanwhile (the phase event, writing
  the status document) runs beside the waiters in one `task_any`, never before them.
- Each confirm event carries an attempt id (the HTTP layer makes it; events from older callers are
  keyed by their content). A waiter that gets the id just processed was handed a buffered event
  again: no new history came in, and every new waiter of this execution would get it too. Instead
  of looping, the run continues as new with its state, which empties the SDK's buffer; work still
  running beside the waiters is started again there (both are idempotent).
- Cancel has one waiter for the whole wait, so a buffered cancel is taken once.

Every turn of the loop therefore consumes one new history event, and the loop never spins.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Generator

from domain.names import names_match
from domain.values import iso
from domain.status_document import Attempt
from orchestrators.options import CANCEL_EVENT, CONFIRM_EVENT

WRONG_NAME = "The typed name does not match the operator's display name."
OTHER_RUN = "It was sent for an earlier run of this link, not for this one."


def event_payload(value: Any) -> dict[str, Any]:
    """The Python client serializes event data twice, so the orchestrator receives JSON text
    (azure-functions-durable-python issue #295); accept an already decoded object as well."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _event_key(payload: dict[str, Any]) -> str:
    return str(payload.get("attemptId") or json.dumps([payload.get("typedName"), payload.get("by")], sort_keys=True))


@dataclass
class Beside:
    """Work that runs beside the waiters; `event` is the phase event it publishes, if any."""

    task: Any
    event: dict[str, Any] | None = None


@dataclass(frozen=True)
class Decision:
    kind: str  # confirmed | cancelled | expired | reset
    detail: dict[str, Any] | None = None
    unfinished: tuple[dict[str, Any], ...] = ()  # reset only: phase events to publish again


class ConfirmationWait:
    def __init__(self, run, expires_at):
        self.run = run
        self.context = run.context
        self.expires_at = expires_at

    def wait(self, beside: list[Beside]) -> Generator[Any, Any, Decision]:
        context = self.context
        cancel = context.wait_for_external_event(CANCEL_EVENT)
        deadline = context.create_timer(self.expires_at)
        confirm = context.wait_for_external_event(CONFIRM_EVENT)
        last_key, unsaved = None, False
        while True:
            beside = [b for b in beside if not b.task.is_completed]
            winner = yield context.task_any([confirm, cancel, deadline, *(b.task for b in beside)])
            if winner is deadline:
                yield from self._finish(beside)
                return Decision("expired")
            if winner is cancel:
                deadline.cancel()
                yield from self._finish(beside)
                return Decision("cancelled", event_payload(cancel.result))
            if winner is not confirm:  # work beside the wait is done
                if isinstance(winner.result, Exception):
                    raise winner.result
                if unsaved and not self._saving(beside):
                    beside.append(Beside(self.run.persist_task()))
                    unsaved = False
                continue
            payload = event_payload(confirm.result)
            key = _event_key(payload)
            if key == last_key:  # handed again from the SDK's buffer: see the module docstring
                return Decision("reset", unfinished=tuple(b.event for b in beside if b.event))
            last_key = key
            confirm = context.wait_for_external_event(CONFIRM_EVENT)  # opened by the next yield
            if self._record(payload):
                deadline.cancel()
                yield from self._finish(beside)
                return Decision("confirmed", payload)
            if self.run.stores_document:
                if self._saving(beside):
                    unsaved = True  # one write at a time; the next one starts when this one is done
                else:
                    beside.append(Beside(self.run.persist_task()))
            self.run.show()

    @staticmethod
    def _saving(beside: list[Beside]) -> bool:
        return any(b.event is None and not b.task.is_completed for b in beside)

    def _record(self, payload: dict[str, Any]) -> bool:
        doc = self.run.doc
        typed = str(payload.get("typedName") or "")
        meant_for = payload.get("runId")
        other_run = meant_for is not None and meant_for != doc.run_id
        accepted = not other_run and names_match(typed, doc.operator_display_name or "")
        doc.confirmation.record(Attempt(
            attempt_id=payload.get("attemptId"), at=iso(self.run.now), typed_name=typed, by=payload.get("by"),
            accepted=accepted, reason=None if accepted else (OTHER_RUN if other_run else WRONG_NAME)))
        return accepted

    def _finish(self, beside: list[Beside]):
        """The wait is over: what ran beside it must finish before the run goes on or ends."""
        running = [b.task for b in beside if not b.task.is_completed]
        if running:
            yield self.context.task_all(running)
