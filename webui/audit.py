"""The audit record of a run: who asked, who confirmed with what typed name and when, what the
checks said at that moment, when setup and provisioning ran, with which setup activity, and how it
ended. One document, built from the run's full status document, for `GET /api/links/{id}/audit`.
"""
from __future__ import annotations

from typing import Any, Mapping

from webui.html import mapping
from webui.phases import phase_time


def audit_record(status: Mapping[str, Any]) -> dict[str, Any]:
    request = mapping(status.get("request"))
    confirmation = mapping(status.get("confirmation"))
    outcome = mapping(status.get("outcome"))
    return {
        "instanceId": status.get("instanceId"),
        "kind": status.get("kind"),
        "phase": status.get("phase"),
        "runtimeStatus": status.get("runtimeStatus"),
        "request": dict(request),
        "requester": {**_requester(status), "requestedAt": status.get("startedAt") or status.get("createdTime")},
        "operator": {"upn": request.get("operator"), "displayName": status.get("operatorDisplayName")},
        "environments": status.get("environments"),
        "checksAtConfirmation": _checks_at_confirmation(status),
        "revalidation": _revalidation(status),
        "finalChecks": {"validatedAt": status.get("validatedAt"), "checks": _checks(status)},
        "confirmation": _confirmation(confirmation) if confirmation else None,
        "setup": _setup(status, request),
        "provisioning": _provisioning(status),
        "outcome": {key: outcome.get(key) for key in
                    ("result", "message", "completedAt", "reason", "by", "linkedEnvironment",
                     "disconnectedEnvironment", "recommendation")} if outcome else None,
        "timeline": list(status.get("timeline") or []),
        "previousRuns": list(status.get("previousRuns") or []),
    }


def _requester(status: Mapping[str, Any]) -> dict[str, Any]:
    # Runs started before the app recorded its requester say so rather than guess.
    recorded = mapping(status.get("requestedBy"))
    return {"channel": recorded.get("channel"), "principal": recorded.get("principal"),
            "messageId": recorded.get("messageId"), "recorded": bool(recorded)}


def _checks(status: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [c for c in status.get("checks") or [] if isinstance(c, Mapping)]


def _checks_at_confirmation(status: Mapping[str, Any]) -> dict[str, Any] | None:
    """The checks the confirmer saw: those a revalidation replaced afterwards, as they were."""
    confirmed_at = mapping(status.get("confirmation")).get("confirmedAt")
    if not confirmed_at:
        return None
    replaced = {c.get("id"): c for c in mapping(status.get("revalidation")).get("replaced") or []
                if isinstance(c, Mapping)}
    return {"confirmedAt": confirmed_at, "validatedAt": phase_time(status, "AwaitingConfirmation"),
            "checks": [replaced.get(c.get("id"), c) for c in _checks(status)]}


def _revalidation(status: Mapping[str, Any]) -> dict[str, Any] | None:
    revalidation = mapping(status.get("revalidation"))
    if not revalidation:
        return None
    rerun = {c.get("id") for c in revalidation.get("replaced") or [] if isinstance(c, Mapping)}
    return {"at": revalidation.get("at"), "checks": [c for c in _checks(status) if c.get("id") in rerun]}


def _confirmation(confirmation: Mapping[str, Any]) -> dict[str, Any]:
    attempts = [a for a in confirmation.get("attempts") or [] if isinstance(a, Mapping)]
    total = max(int(confirmation.get("attemptCount") or 0), len(attempts))
    return {"expiresAt": confirmation.get("expiresAt"), "confirmedBy": confirmation.get("confirmedBy"),
            "confirmedAt": confirmation.get("confirmedAt"), "typedName": confirmation.get("typedName"),
            "attempts": [{key: a.get(key) for key in ("at", "by", "typedName", "accepted", "reason")}
                         for a in attempts],
            "attemptCount": total, "attemptsNotKept": total - len(attempts)}


def _setup(status: Mapping[str, Any], request: Mapping[str, Any]) -> dict[str, Any]:
    provisioning = mapping(status.get("provisioning"))
    return {"mode": request.get("setupMode"), "startedAt": phase_time(status, "StartingSetup"),
            "setupActivityId": provisioning.get("setupActivityId")}


def _provisioning(status: Mapping[str, Any]) -> dict[str, Any] | None:
    provisioning = mapping(status.get("provisioning"))
    if not provisioning:
        return None
    ended = phase_time(status, "Verifying", "ProvisioningFailed", "ProvisioningTimedOut")
    return {"startedAt": provisioning.get("startedAt"), "endedAt": ended, "polls": provisioning.get("polls"),
            "lastState": provisioning.get("lastState"), "lastPhase": provisioning.get("lastPhase"),
            "lastCheckedAt": provisioning.get("lastCheckedAt"), "deadline": provisioning.get("deadline")}
