"""The audit record of a run: who asked, who confirmed with what typed name and when, what the
checks said at that moment, when setup and provisioning ran, with which setup activity, and how it
ended. One document, built from the run's full status document, for `GET /api/links/{id}/audit`.
"""
from __future__ import annotations

from typing import Any, Mapping

from domain import phases as P
from domain.status_document import Confirmation, StatusDocument

_OUTCOME_KEYS = ("result", "message", "completedAt", "reason", "by", "linkedEnvironment", "disconnectedEnvironment",
                 "recommendation")


def audit_record(status: StatusDocument | Mapping[str, Any]) -> dict[str, Any]:
    doc = StatusDocument.of(status)
    request = doc.request or {}
    outcome = doc.outcome and doc.outcome.to_json()
    return {
        "instanceId": doc.instance_id,
        "kind": doc.kind,
        "phase": doc.phase,
        "runtimeStatus": doc.runtime_status,
        "request": dict(request),
        "requester": {**_requester(doc), "requestedAt": doc.started_at or doc.created_time},
        "operator": {"upn": request.get("operator"), "displayName": doc.operator_display_name},
        "environments": doc.environments,
        "checksAtConfirmation": _checks_at_confirmation(doc),
        "revalidation": _revalidation(doc),
        "finalChecks": {"validatedAt": doc.validated_at, "checks": doc.check_results()},
        "confirmation": _confirmation(doc.confirmation) if doc.confirmation else None,
        "setup": {"mode": request.get("setupMode"), "startedAt": doc.phase_time(P.STARTING_SETUP),
                  "setupActivityId": doc.provisioning and doc.provisioning.setup_activity_id},
        "provisioning": _provisioning(doc),
        "outcome": {key: outcome.get(key) for key in _OUTCOME_KEYS} if outcome else None,
        "timeline": [entry.to_json() for entry in doc.timeline],
        "previousRuns": list(doc.previous_runs),
    }


def _requester(doc: StatusDocument) -> dict[str, Any]:
    # Runs started before the app recorded its requester say so rather than guess.
    recorded = doc.requested_by or {}
    return {"channel": recorded.get("channel"), "principal": recorded.get("principal"),
            "messageId": recorded.get("messageId"), "recorded": bool(recorded)}


def _replaced(doc: StatusDocument) -> list[Mapping[str, Any]]:
    return [c for c in (doc.revalidation.replaced if doc.revalidation else []) if isinstance(c, Mapping)]


def _checks_at_confirmation(doc: StatusDocument) -> dict[str, Any] | None:
    """The checks the confirmer saw: those a revalidation replaced afterwards, as they were."""
    confirmed_at = doc.confirmation and doc.confirmation.confirmed_at
    if not confirmed_at:
        return None
    replaced = {c.get("id"): c for c in _replaced(doc)}
    return {"confirmedAt": confirmed_at, "validatedAt": doc.phase_time(P.AWAITING_CONFIRMATION),
            "checks": [replaced.get(c.get("id"), c) for c in doc.check_results()]}


def _revalidation(doc: StatusDocument) -> dict[str, Any] | None:
    if not doc.revalidation:
        return None
    rerun = {c.get("id") for c in _replaced(doc)}
    return {"at": doc.revalidation.at, "checks": [c for c in doc.check_results() if c.get("id") in rerun]}


def _confirmation(confirmation: Confirmation) -> dict[str, Any]:
    total = confirmation.total_attempts
    return {"expiresAt": confirmation.expires_at, "confirmedBy": confirmation.confirmed_by,
            "confirmedAt": confirmation.confirmed_at, "typedName": confirmation.typed_name,
            "attempts": [{"at": a.at, "by": a.by, "typedName": a.typed_name, "accepted": a.accepted,
                          "reason": a.reason} for a in confirmation.attempts],
            "attemptCount": total, "attemptsNotKept": total - len(confirmation.attempts)}


def _provisioning(doc: StatusDocument) -> dict[str, Any] | None:
    provisioning = doc.provisioning
    if not provisioning:
        return None
    ended = doc.phase_time(P.VERIFYING, P.PROVISIONING_FAILED, P.PROVISIONING_TIMED_OUT)
    return {"startedAt": provisioning.started_at, "endedAt": ended, "polls": provisioning.polls,
            "lastState": provisioning.last_state, "lastPhase": provisioning.last_phase,
            "lastCheckedAt": provisioning.last_checked_at, "deadline": provisioning.deadline}
