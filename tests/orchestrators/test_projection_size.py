"""The live projection fits Durable's custom status limit (16 KB of UTF-16) in the worst case, in every phase.

Worst case: ten checks failed or in error with large evidence, the most attempts a run keeps with the
longest typed names, ten previous runs, the longest correlationId (characters outside the BMP, which
JSON escapes to 12 characters each) and the longest operator, long external texts in provisioning
and in the outcome. The whole document is far over the limit; the projection is not.
"""

from __future__ import annotations

import json

import pytest

from domain import phases
from domain.request import MAX_CORRELATION_ID, MAX_UPN_LENGTH
from domain.status_document import MAX_RECORDED_ATTEMPTS, StatusDocument
from orchestrators.projection import projection

LIMIT_BYTES = 16 * 1024
WIDE = "\U0001F600"  # one character, 4 bytes in UTF-16, 12 characters once JSON-escaped


def utf16_sizes(value) -> list[int]:
    """UTF-16 bytes of the value as JSON text, as the extension measures it and as the SDK writes it."""
    compact = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return [len(compact.encode("utf-16-le")), len(json.dumps(value).encode("utf-16-le"))]


def worst_state(phase: str) -> dict:
    text = WIDE * 2000
    check = {"id": "dataverse-capacity", "title": text[:100], "outcome": "error", "detail": text,
             "remediation": text, "evidence": {"facts": [text] * 5}}
    attempt = {"attemptId": "a" * 36, "at": "2026-12-01T10:00:00.000Z", "typedName": WIDE * 256,
               "by": {"name": WIDE * 256, "objectId": "o" * 36}, "accepted": False, "reason": text[:200]}
    operator = ("o" * (MAX_UPN_LENGTH - 20)) + "@contoso.example.com"
    request = {"lcsProjectId": 2**31 - 1, "lcsEnvironmentId": "e" * 36, "powerPlatformEnvironmentId": "t" * 36,
               "operator": operator[:MAX_UPN_LENGTH], "setupMode": "operator", "confirmationTimeout": "P30D",
               "correlationId": WIDE * MAX_CORRELATION_ID}
    timeline = [{"phase": p, "at": "2026-12-01T10:00:00.000Z"} for p in phases.ALL_PHASES]
    return {
        "kind": "link", "phase": phase, "version": 10**6, "runId": "r" * 36, "request": request,
        "startedAt": "2026-12-01T10:00:00.000Z", "checks": [check] * 10, "validatedAt": "2026-12-01T10:00:00.000Z",
        "irreversibilityNotice": text, "operatorDisplayName": WIDE * 256, "initialEnvironment": {"id": text},
        "confirmation": {"expiresAt": "2026-12-31T10:00:00.000Z", "attempts": [attempt] * MAX_RECORDED_ATTEMPTS,
                         "attemptCount": 10**6, "confirmedBy": attempt["by"], "confirmedAt": "2026-12-01T10:00:00.000Z",
                         "typedName": WIDE * 256},
        "operatorInstructions": [text] * 5,
        "provisioning": {"started": True, "startedAt": "x" * 24, "anchor": "x" * 24, "deadline": "x" * 24,
                         "polls": 10**6, "lastState": text, "lastPhase": text, "lastCheckedAt": "x" * 24,
                         "nextCheckAt": "x" * 24, "retryAfterSeconds": 10**6, "setupActivityId": text},
        "outcome": {"result": phase, "message": text, "completedAt": "x" * 24, "audit": {"typedName": text},
                    "linkedEnvironment": {"evidence": text}},
        "timeline": timeline,
        "previousRuns": [{"phase": phases.CANCELLED, "message": text, "failedChecks": ["x"] * 10,
                          "timeline": timeline}] * 10,
        "links": {"self": text},
    }


@pytest.mark.parametrize("phase", phases.ALL_PHASES)
def test_the_worst_case_projection_fits_in_every_phase(phase):
    state = worst_state(phase)
    assert min(utf16_sizes(state)) > 20 * LIMIT_BYTES  # the document itself could never be the custom status
    live = projection(StatusDocument.from_json(state), "link-" + "e" * 36 + "/" + "r" * 36 + ".json")
    assert max(utf16_sizes(live)) <= LIMIT_BYTES, utf16_sizes(live)
