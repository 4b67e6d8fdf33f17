"""Many runs at once, as the fleet page and `cli list` show them: counts per phase, a phase
filter, each run's age and what has to happen next.

Pure functions of the items of `GET /api/links` (never of full status documents: a list of 500
runs must not load 500 documents), shared by the fleet page (webui/fleet_page.py) and the CLI.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping

from domain import phases as P
from domain.setup_modes import SetupMode, find_mode
from domain.values import parse_iso

_NEXT_STEPS = {
    P.VALIDATING: "Wait: the checks are running.",
    P.VALIDATION_FAILED: "Fix what the failed checks say, then start a new run.",
    P.VALIDATED: "Nothing: every prerequisite is met.",
    P.AWAITING_CONFIRMATION: "Confirm on the review page: the operator types their name.",
    P.STARTING_SETUP: "Wait: setup is starting.",
    P.PROVISIONING: "Wait: provisioning takes about 60-90 minutes.",
    P.VERIFYING: "Wait: the link is being verified.",
    P.LINKED: "Nothing to do; keep or delete the disconnected initial environment on purpose.",
    P.CANCELLED: "Nothing was changed; start a new run if the link is still wanted.",
    P.CONFIRMATION_EXPIRED: "Nothing was changed; start a new run if the link is still wanted.",
    P.PROVISIONING_FAILED: "Read the error on {where}.",
    P.PROVISIONING_TIMED_OUT: "Check {where}: provisioning may still run.",
    P.FAILED: "Read the outcome on the review page.",
}


@dataclass(frozen=True)
class Fleet:
    items: tuple[Mapping[str, Any], ...]  # the runs shown: filtered, newest first
    counts: dict[str, int]  # every run, by phase, in the order phases happen
    total: int
    phase: str | None


def fleet(items: Iterable[Mapping[str, Any]], phase: str | None = None) -> Fleet:
    every = [item for item in items if isinstance(item, Mapping)]
    counted = Counter(str(item.get("phase")) for item in every)
    order = {name: index for index, name in enumerate(P.ALL_PHASES)}
    counts = dict(sorted(counted.items(), key=lambda pair: (order.get(pair[0], len(order)), pair[0])))
    shown = [item for item in every if not phase or item.get("phase") == phase]
    shown.sort(key=lambda item: str(item.get("createdTime") or ""), reverse=True)
    return Fleet(tuple(shown), counts, len(every), phase or None)


def next_step(item: Mapping[str, Any]) -> str:
    phase = str(item.get("phase"))
    mode = find_mode(item.get("setupMode"))
    if phase == P.STARTING_SETUP and mode and mode.operator_step:  # nobody but a person starts the setup
        return mode.operator_step
    where = mode.where_to_look if mode else SetupMode.where_to_look  # an unknown mode: the default (LCS)
    return _NEXT_STEPS.get(phase, "See the review page.").format(where=where)


def age(created: Any, now: datetime) -> str:
    """How long ago a run was created, in the two largest units: `3 d 4 h`, `2 h 5 min`, `40 s`."""
    try:
        moment = parse_iso(str(created))
    except ValueError:
        return "unknown"
    seconds = max(0, int((now - moment).total_seconds()))
    parts = [(seconds // 86400, "d"), (seconds // 3600 % 24, "h"), (seconds // 60 % 60, "min"), (seconds % 60, "s")]
    while len(parts) > 1 and parts[0][0] == 0:
        parts.pop(0)
    return " ".join(f"{value} {unit}" for value, unit in parts[:2] if value or unit == parts[0][1])


def counts_text(view: Fleet) -> str:
    """`12 runs: 3 AwaitingConfirmation, 9 Linked` (or `No runs.`)."""
    if not view.total:
        return "No runs."
    detail = ", ".join(f"{count} {phase}" for phase, count in view.counts.items())
    return f"{view.total} run{'' if view.total == 1 else 's'}: {detail}"
