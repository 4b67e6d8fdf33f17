"""What a run shows as its custom status from contract version 2 on: a small live projection.

Durable limits custom status to 16 KB of UTF-16 text, so the full status document (checks with
evidence, attempts, previous runs) is written by the `save_status` activity into the app's own
storage (services.status_store) under `document`, at `version`. The projection carries what must be
live and what the list needs: phase, kind, version, the request's summary, timeline, confirmation
counters, provisioning progress and the outcome's summary. Every free text in it is cut to a bound,
so its size is bounded whatever the run meets (tests/orchestrators/test_projection_size.py).
"""

from __future__ import annotations

import json
from typing import Any

# The orchestration input's contract version (set by the triggers). An input without it was started
# by a release before the status store: it keeps the whole state as custom status, and no store calls.
CONTRACT_VERSION = 2
TEXT_LIMIT = 300
_REQUEST_FIELDS = ("lcsProjectId", "lcsEnvironmentId", "powerPlatformEnvironmentId", "operator", "setupMode",
                   "correlationId")
_PROVISIONING_FIELDS = ("started", "startedAt", "anchor", "deadline", "polls", "lastState", "lastPhase",
                        "lastCheckedAt", "nextCheckAt", "retryAfterSeconds", "setupActivityId")


def document_name(instance_id: str, run_id: str) -> str:
    """Where a run's document is stored. One instance id is reused by later runs, so each run has its
    own: `runId` is made by the trigger that starts the run and arrives in the input."""
    return f"{instance_id}/{run_id}.json"


def _cut(value: Any, limit: int = TEXT_LIMIT) -> Any:
    """Text cut to `limit` characters of JSON, escapes counted (the SDK writes non-ASCII escaped)."""
    if not isinstance(value, str):
        return value
    used = 0
    for index, char in enumerate(value):
        used += len(json.dumps(char)) - 2
        if used > limit:
            return value[:index]
    return value


def projection(state: dict[str, Any], document: str) -> dict[str, Any]:
    request = state.get("request") or {}
    confirmation = state.get("confirmation")
    provisioning = state.get("provisioning")
    outcome = state.get("outcome")
    return {
        "kind": state["kind"],
        "phase": state["phase"],
        "version": state["version"],
        "document": document,
        "runId": state.get("runId"),
        "startedAt": state["startedAt"],
        "validatedAt": state.get("validatedAt"),
        "request": {key: _cut(request.get(key)) for key in _REQUEST_FIELDS},
        "timeline": [{"phase": step["phase"], "at": step["at"]} for step in state["timeline"]],
        "confirmation": confirmation and {
            "expiresAt": confirmation["expiresAt"],
            "attemptCount": confirmation.get("attemptCount", len(confirmation["attempts"])),
            "confirmedAt": confirmation.get("confirmedAt"),
            "lastAttempt": _last_attempt(confirmation["attempts"]),
        },
        "provisioning": provisioning and {key: _cut(provisioning.get(key), 100) for key in _PROVISIONING_FIELDS},
        "outcome": outcome and {"result": outcome.get("result"), "message": _cut(outcome.get("message")),
                                "completedAt": outcome.get("completedAt")},
    }


def _last_attempt(attempts: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not attempts:
        return None
    last = attempts[-1]
    return {"attemptId": _cut(last.get("attemptId"), 64), "at": last.get("at"), "accepted": last.get("accepted")}
