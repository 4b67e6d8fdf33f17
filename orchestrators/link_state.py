"""A run's state: the status document (camelCase keys, so the HTTP layer can serve it as it is).

From contract version 2 on it is written to the status store and the custom status is its
projection (orchestrators.projection); runs started before show it whole as custom status. It
holds nothing secret: requests, check results, audit records and progress only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain import phases
from domain.request import LinkRequest
from domain.values import iso

IRREVERSIBILITY_NOTICE = (
    "Linking can't be undone: once setup starts, this finance and operations environment stays linked to the "
    "chosen Dataverse environment, and relinking is not supported. The finance and operations environment has a "
    "brief downtime while provisioning runs (about 60-90 minutes)."
)
MAX_RECORDED_ATTEMPTS = 20


def new_state(kind: str, request: LinkRequest, links: dict[str, str], now: datetime) -> dict[str, Any]:
    return {
        "kind": kind,
        "phase": phases.VALIDATING,
        "request": request.to_dict(),
        "startedAt": iso(now),
        "checks": [],
        "validatedAt": None,
        "irreversibilityNotice": IRREVERSIBILITY_NOTICE if kind == "link" else None,
        "operatorDisplayName": None,
        "initialEnvironment": None,
        "confirmation": None,
        "operatorInstructions": None,
        "provisioning": None,
        "outcome": None,
        "timeline": [{"phase": phases.VALIDATING, "at": iso(now)}],
        "links": links,
    }


def enter_phase(state: dict[str, Any], phase: str, now: datetime) -> None:
    state["phase"] = phase
    state["timeline"].append({"phase": phase, "at": iso(now)})


def record_attempt(state: dict[str, Any], attempt: dict[str, Any]) -> None:
    confirmation = state["confirmation"]
    attempts = confirmation["attempts"]
    confirmation["attemptCount"] = confirmation.get("attemptCount", len(attempts)) + 1
    attempts.append(attempt)
    # A flood of wrong names must not grow the status without bound; the newest are what matter.
    del attempts[:-MAX_RECORDED_ATTEMPTS]


def keep_replaced_checks(state: dict[str, Any], fresh: list[dict[str, Any]], now: str) -> None:
    """Before a revalidation replaces some checks, keep them: they are what the confirmer saw."""
    rerun = {check["id"] for check in fresh}
    state["revalidation"] = {"at": now, "replaced": [c for c in state["checks"] if c["id"] in rerun]}

