"""What a run shows as its custom status from contract version 2 on: a small live projection.

Durable limits custom status to 16 KB of UTF-16 text, so the full status document (checks with
evidence, attempts, previous runs) is written by the `save_status` activity into the app's own
storage (services.status_store) under `document`, at `version`. The projection carries what must be
live and what the list needs: phase, kind, version, the request's summary, timeline, confirmation
counters, provisioning progress and the outcome's summary. Every free text in it is cut to a bound,
so its size is bounded whatever the run meets (tests/orchestrators/test_projection_size.py).
`projection` makes it from the run's document (domain/status_document.py); `overlay` makes the full
document again from it and the stored one, for the HTTP layer.
"""

from __future__ import annotations

import json
from typing import Any

from domain.status_document import Attempt, Provisioning, StatusDocument

# The orchestration input's contract version (set by the triggers; README "Upgrading safely"). An
# input without it is 1: started by a release before the status store, it keeps the whole state as
# custom status and makes no store calls. 2: the document in the store. 3: the Validating document
# and event go out together with the first fact stage instead of one after another before it.
CONTRACT_VERSION = 3
STORED_DOCUMENT_SINCE = 2
VALIDATING_BESIDE_FACTS_SINCE = 3
TEXT_LIMIT = 300
# What the projection knows best: the phase is what the HTTP layer acts on, and progress changes between writes.
LIVE_KEYS = ("phase", "timeline", "provisioning", "version")
_REQUEST_FIELDS = ("lcsProjectId", "lcsEnvironmentId", "powerPlatformEnvironmentId", "operator", "setupMode",
                   "correlationId")


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


def projection(doc: StatusDocument, document: str) -> dict[str, Any]:
    request = doc.request or {}
    confirmation, provisioning, outcome = doc.confirmation, doc.provisioning, doc.outcome
    return {
        "kind": doc.kind,
        "phase": doc.phase,
        "version": doc.version,
        "document": document,
        "runId": doc.run_id,
        "startedAt": doc.started_at,
        "validatedAt": doc.validated_at,
        "request": {key: _cut(request.get(key)) for key in _REQUEST_FIELDS},
        "timeline": [{"phase": step.phase, "at": step.at} for step in doc.timeline],
        "confirmation": confirmation and {
            "expiresAt": confirmation.expires_at,
            "attemptCount": confirmation.total_attempts,
            "confirmedAt": confirmation.confirmed_at,
            "lastAttempt": _last_attempt(confirmation.latest),
        },
        "provisioning": provisioning and {key: _cut(value, 100) for key, value in _progress(provisioning).items()},
        "outcome": outcome and {"result": outcome.result, "message": _cut(outcome.message),
                                "completedAt": outcome.completed_at},
    }


def _progress(provisioning: Provisioning) -> dict[str, Any]:
    shown = provisioning.to_json()
    return {key: shown.get(key) for key in Provisioning.keys()}


def _last_attempt(last: Attempt | None) -> dict[str, Any] | None:
    if last is None:
        return None
    return {"attemptId": _cut(last.attempt_id, 64), "at": last.at, "accepted": last.accepted}


def overlay(live: dict[str, Any], stored: dict[str, Any] | None) -> dict[str, Any]:
    """The full document from the projection (without its `document` key) and the stored document:
    the projection decides the phase and holds what changes between writes, the store the rest."""
    stored = stored or {}
    document = {"checks": [], "previousRuns": [], **live, **stored}
    document.update({key: live[key] for key in LIVE_KEYS if key in live})
    summary = {k: v for k, v in (live.get("confirmation") or {}).items() if k != "lastAttempt"}
    if summary:
        document["confirmation"] = {"attempts": [], **(stored.get("confirmation") or {}), **summary}
    return document
