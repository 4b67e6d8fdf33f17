"""How a status document reads as progress: which phases are final, and the timeline of steps.

Pure functions of the status document (README, "Status document"), shared by the review page
and the command-line tool so that both tell the same story.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

from domain.phases import AWAITING_CONFIRMATION, FINAL_PHASES, LINKED, VALIDATED

SUCCESS_PHASES = frozenset({LINKED, VALIDATED})
_RUNTIME_ENDED = frozenset({"Completed", "Failed", "Terminated", "Canceled"})

# The order in which a link run moves through its phases; the index is the timeline step reached.
_STEP_OF_PHASE = {
    "Validating": 0, "AwaitingConfirmation": 1, "StartingSetup": 2, "Provisioning": 3,
    "Verifying": 4, "Linked": 5, "Validated": 1,
}
_STEP_LABELS = ("Validated", "Confirmed", "Setup started", "Provisioning", "Verified")


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    state: str  # "done" | "current" | "failed" | "pending"
    at: str | None
    detail: str | None


def phase_of(status: Mapping[str, Any]) -> str:
    return str(status.get("phase") or "Unknown")


def is_final(status: Mapping[str, Any]) -> bool:
    return phase_of(status) in FINAL_PHASES or status.get("runtimeStatus") in _RUNTIME_ENDED


def is_running(status: Mapping[str, Any]) -> bool:
    """True while the run moves on by itself (so a view of it should refresh)."""
    return not is_final(status) and phase_of(status) != AWAITING_CONFIRMATION


def latest_attempt(status: Mapping[str, Any]) -> Mapping[str, Any] | None:
    attempts = _section(status, "confirmation").get("attempts") or []
    return attempts[-1] if attempts else None


def attempts_marker(status: Mapping[str, Any]) -> str:
    """Changes whenever an attempt is recorded. The run keeps only the newest attempts, so their
    number alone stops changing once the list is full; the newest one's time still moves on."""
    attempts = _section(status, "confirmation").get("attempts") or []
    newest = attempts[-1] if attempts and isinstance(attempts[-1], Mapping) else {}
    return f"{len(attempts)}@{newest.get('at') or ''}"


def actor_name(actor: Any) -> str | None:
    """Who acted: the app records {"name", "objectId"}; a plain name is accepted as well."""
    if isinstance(actor, Mapping):
        actor = actor.get("name") or actor.get("objectId")
    return str(actor) if actor else None


def phase_time(status: Mapping[str, Any], *phases: str) -> str | None:
    """When the run first entered one of `phases`, from the timeline."""
    for entry in status.get("timeline") or []:
        if isinstance(entry, Mapping) and entry.get("phase") in phases:
            return entry.get("at")
    return None


def provisioning_summary(status: Mapping[str, Any]) -> str | None:
    prov = _section(status, "provisioning")
    if not prov:
        return None
    polls = int(prov.get("polls") or 0)
    parts = [f"polled {polls} time{'' if polls == 1 else 's'}"]
    if prov.get("lastState"):
        state = str(prov["lastState"])
        if prov.get("lastPhase"):
            state += f" ({prov['lastPhase']})"
        parts.append(f"last state {state}")
    if prov.get("nextCheckAt") and phase_of(status) == "Provisioning":
        parts.append(f"next check {readable_time(prov['nextCheckAt'])}")
    return ", ".join(parts)


def readable_time(value: Any) -> str:
    """An ISO 8601 timestamp as `YYYY-MM-DD HH:MM:SS UTC`; anything unparseable as given."""
    raw = "" if value is None else str(value)
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return raw
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def timeline_steps(status: Mapping[str, Any]) -> tuple[Step, ...]:
    """The five steps of a link (only the first for a preflight run), each done, current,
    failed or pending, with the time it completed when known."""
    phase = phase_of(status)
    reached = _reached_step(status)
    failed_step = reached if phase in FINAL_PHASES - SUCCESS_PHASES else None
    confirmation = _section(status, "confirmation")
    prov = _section(status, "provisioning")
    outcome = _section(status, "outcome")
    times = (
        status.get("validatedAt") or phase_time(status, "AwaitingConfirmation", "Validated"),
        confirmation.get("confirmedAt") or phase_time(status, "StartingSetup"),
        prov.get("startedAt") or phase_time(status, "Provisioning"),
        phase_time(status, "Verifying"),
        phase_time(status, "Linked"),
    )
    details = (
        _checks_summary(status),
        _confirmed_detail(confirmation),
        prov.get("setupActivityId") and f"setup activity {prov['setupActivityId']}",
        provisioning_summary(status),
        None,
    )
    count = 1 if status.get("kind") == "preflight" else len(_STEP_LABELS)
    steps = []
    for index in range(count):
        if index == failed_step:
            state, at = "failed", outcome.get("completedAt") or phase_time(status, phase)
            detail = outcome.get("message") or phase
        elif index < reached:
            state, at, detail = "done", times[index], details[index]
        elif index == reached and phase not in FINAL_PHASES:
            state, at, detail = "current", None, details[index]
        else:
            state, at, detail = "pending", None, None
        key = _STEP_LABELS[index].lower().replace(" ", "-")
        steps.append(Step(key, _STEP_LABELS[index], state, at, detail or None))
    return tuple(steps)


def _reached_step(status: Mapping[str, Any]) -> int:
    """Index of the first step not yet completed (5 when all are)."""
    phase = phase_of(status)
    if phase in _STEP_OF_PHASE:
        return _STEP_OF_PHASE[phase]
    # A final phase that is not a success: work out how far the run got before it stopped.
    if phase in ("ProvisioningFailed", "ProvisioningTimedOut"):
        return 3
    if phase == "ValidationFailed":
        return 0
    if phase_time(status, "Verifying"):
        return 4
    if _section(status, "provisioning") or phase_time(status, "Provisioning"):
        return 3
    if _section(status, "confirmation").get("confirmedAt"):
        return 2
    if status.get("validatedAt") or phase_time(status, "AwaitingConfirmation"):
        return 1
    return 0


def _checks_summary(status: Mapping[str, Any]) -> str | None:
    checks = [c for c in status.get("checks") or [] if isinstance(c, Mapping)]
    if not checks:
        return None
    passed = sum(1 for c in checks if c.get("outcome") == "passed")
    return f"{passed} of {len(checks)} checks passed"


def _confirmed_detail(confirmation: Mapping[str, Any]) -> str | None:
    name = actor_name(confirmation.get("confirmedBy"))
    return f"by {name}" if name else None


def _section(status: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = status.get(key)
    return value if isinstance(value, Mapping) else {}
