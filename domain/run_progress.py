"""How a status document reads as progress: whether the run is over, and the five steps of a link.

Pure functions of the status document (domain/status_document.py), shared by the review page
and the command-line tool so that both tell the same story. Each takes the typed document or
its JSON, as a reader was handed it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from domain import phases as P
from domain.status_document import Confirmation, StatusDocument
from domain.values import parse_iso

Document = StatusDocument | Mapping[str, Any] | None
SUCCESS_PHASES = frozenset({P.LINKED, P.VALIDATED})
_RUNTIME_ENDED = frozenset({"Completed", "Failed", "Terminated", "Canceled"})

# The order in which a link run moves through its phases; the index is the step reached.
_STEP_OF_PHASE = {P.VALIDATING: 0, P.AWAITING_CONFIRMATION: 1, P.STARTING_SETUP: 2, P.PROVISIONING: 3,
                  P.VERIFYING: 4, P.LINKED: 5, P.VALIDATED: 1}
_STOPPED_AT = {P.PROVISIONING_FAILED: 3, P.PROVISIONING_TIMED_OUT: 3, P.VALIDATION_FAILED: 0}
_STEP_LABELS = ("Validated", "Confirmed", "Setup started", "Provisioning", "Verified")
# Where the operator is told what to click in LCS, when the run does not start setup itself.
INSTRUCTION_PHASES = frozenset({P.STARTING_SETUP, P.PROVISIONING})
SETUP_PHASES = frozenset({P.STARTING_SETUP, P.PROVISIONING, P.VERIFYING})


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    state: str  # "done" | "current" | "failed" | "pending"
    at: str | None
    detail: str | None


def phase_of(status: Document) -> str:
    return StatusDocument.of(status).phase_name


def is_final(status: Document) -> bool:
    doc = StatusDocument.of(status)
    return doc.phase_name in P.FINAL_PHASES or doc.runtime_status in _RUNTIME_ENDED


def is_running(status: Document) -> bool:
    """True while the run moves on by itself (so a view of it should refresh)."""
    return not is_final(status) and StatusDocument.of(status).phase_name != P.AWAITING_CONFIRMATION


def confirmed_not_yet_shown(status: Document) -> bool:
    """The run accepted a confirmation and its live phase does not say so yet: the stored document
    (with the attempt) is written a moment before the projection moves on to StartingSetup."""
    doc = StatusDocument.of(status)
    latest = doc.latest_attempt()
    return doc.phase == P.AWAITING_CONFIRMATION and bool(latest and latest.accepted)


def attempts_marker(status: Document) -> str:
    """Changes whenever an attempt is recorded (see Confirmation.marker)."""
    return (StatusDocument.of(status).confirmation or Confirmation()).marker()


def actor_name(actor: Any) -> str | None:
    """Who acted: the app records {"name", "objectId"}; a plain name is accepted as well."""
    if isinstance(actor, Mapping):
        actor = actor.get("name") or actor.get("objectId")
    return str(actor) if actor else None


def readable_time(value: Any) -> str:
    """A timestamp as `YYYY-MM-DD HH:MM:SS UTC`; anything unparseable as given."""
    raw = "" if value is None else str(value)
    try:
        moment = parse_iso(raw)
    except ValueError:
        return raw
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def provisioning_summary(status: Document) -> str | None:
    doc = StatusDocument.of(status)
    prov = doc.provisioning
    if prov is None:
        return None
    polls = int(prov.polls or 0)
    parts = [f"polled {polls} time{'' if polls == 1 else 's'}"]
    if prov.last_state:
        state = str(prov.last_state)
        if prov.last_phase:
            state += f" ({prov.last_phase})"
        parts.append(f"last state {state}")
    if prov.next_check_at and doc.phase == P.PROVISIONING:
        parts.append(f"next check {readable_time(prov.next_check_at)}")
    return ", ".join(parts)


def timeline_steps(status: Document) -> tuple[Step, ...]:
    """The five steps of a link (only the first for a preflight run), each done, current,
    failed or pending, with the time it completed when known."""
    doc = StatusDocument.of(status)
    phase = doc.phase_name
    reached = _reached_step(doc)
    failed_step = reached if phase in P.FINAL_PHASES - SUCCESS_PHASES else None
    confirmation = doc.confirmation or Confirmation()
    prov = doc.provisioning
    times = (
        doc.validated_at or doc.phase_time(P.AWAITING_CONFIRMATION, P.VALIDATED),
        confirmation.confirmed_at or doc.phase_time(P.STARTING_SETUP),
        (prov and prov.started_at) or doc.phase_time(P.PROVISIONING),
        doc.phase_time(P.VERIFYING),
        doc.phase_time(P.LINKED),
    )
    details = (
        _checks_summary(doc),
        _confirmed_detail(confirmation),
        prov and prov.setup_activity_id and f"setup activity {prov.setup_activity_id}",
        provisioning_summary(doc),
        None,
    )
    count = 1 if doc.kind == "preflight" else len(_STEP_LABELS)
    steps = []
    for index in range(count):
        if index == failed_step:
            outcome = doc.outcome
            state, at = "failed", (outcome and outcome.completed_at) or doc.phase_time(phase)
            detail = (outcome and outcome.message) or phase
        elif index < reached:
            state, at, detail = "done", times[index], details[index]
        elif index == reached and phase not in P.FINAL_PHASES:
            state, at, detail = "current", None, details[index]
        else:
            state, at, detail = "pending", None, None
        key = _STEP_LABELS[index].lower().replace(" ", "-")
        steps.append(Step(key, _STEP_LABELS[index], state, at, detail or None))
    return tuple(steps)


def _reached_step(doc: StatusDocument) -> int:
    """Index of the first step not yet completed (5 when all are)."""
    phase = doc.phase_name
    if phase in _STEP_OF_PHASE:
        return _STEP_OF_PHASE[phase]
    # A final phase that is not a success: work out how far the run got before it stopped.
    if phase in _STOPPED_AT:
        return _STOPPED_AT[phase]
    if doc.phase_time(P.VERIFYING):
        return 4
    if doc.provisioning or doc.phase_time(P.PROVISIONING):
        return 3
    if doc.confirmation and doc.confirmation.confirmed_at:
        return 2
    if doc.validated_at or doc.phase_time(P.AWAITING_CONFIRMATION):
        return 1
    return 0


def _checks_summary(doc: StatusDocument) -> str | None:
    checks = doc.check_results()
    if not checks:
        return None
    passed = sum(1 for c in checks if c.get("outcome") == "passed")
    return f"{passed} of {len(checks)} checks passed"


def _confirmed_detail(confirmation: Confirmation) -> str | None:
    name = actor_name(confirmation.confirmed_by)
    return f"by {name}" if name else None
