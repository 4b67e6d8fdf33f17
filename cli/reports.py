"""`cli list` and `cli audit` for a person: many runs with their counts, or one run's record."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from rich.console import Group, RenderableType
from rich.text import Text

from cli.views import INDENT, check_lines, named, phase_text, prose
from domain.fleet import Fleet, age, counts_text, next_step
from domain.run_progress import actor_name, readable_time


def links_view(view: Fleet, now: datetime) -> RenderableType:
    """The counts of every run, then each run shown (newest first) on a line, details below."""
    summary = counts_text(view)
    if view.phase:
        summary += f". Showing {len(view.items)} in phase {view.phase}."
    parts: list[RenderableType] = [prose(summary, style="bold")]
    for item in view.items:
        head = Text.assemble(Text(str(item.get("instanceId") or ""), style="bold"), "  ",
                             phase_text(str(item.get("phase") or "")), "  ",
                             Text(f"created {age(item.get('createdTime'), now)} ago", style="dim"))
        parts.append(head)
        parts.append(prose(f"operator {item.get('operator')}, target {item.get('powerPlatformEnvironmentId')}",
                           indent=INDENT))
        parts.append(prose(f"next: {next_step(item)}", indent=INDENT))
    return Group(*parts)


def audit_view(record: Mapping[str, Any], verbose: bool = False) -> RenderableType:
    parts: list[RenderableType] = [Text.assemble(Text(f"Audit of {record.get('instanceId')}", style="bold"),
                                                 "  ", phase_text(str(record.get("phase") or "")))]
    parts += [prose(line, indent=0) for line in _who_lines(record)]
    parts += _confirmation_lines(record)
    seen = record.get("checksAtConfirmation") or {}
    if seen:
        parts.append(Text(f"Checks as they stood at confirmation ({_when(seen.get('confirmedAt'))}):", style="bold"))
        for check in seen.get("checks") or []:
            parts += check_lines(check, verbose)
    revalidation = record.get("revalidation") or {}
    if revalidation:
        parts.append(Text(f"Checked again at {_when(revalidation.get('at'))}:", style="bold"))
        for check in revalidation.get("checks") or []:
            parts += check_lines(check, verbose)
    if not seen:
        final = record.get("finalChecks") or {}
        parts.append(Text(f"Checks ({_when(final.get('validatedAt'))}):", style="bold"))
        for check in final.get("checks") or []:
            parts += check_lines(check, verbose)
    parts += [prose(line) for line in _setup_lines(record)]
    return Group(*parts)


def _when(value: Any) -> str:
    return readable_time(value) if value else "not recorded"


def _who_lines(record: Mapping[str, Any]) -> list[str]:
    requester = record.get("requester") or {}
    principal = actor_name(requester.get("principal"))
    if not requester.get("recorded"):
        asked = "Requested: who asked was not recorded (the run predates requester records)"
    else:
        via = {"http": "through the API", "queue": "through the link-requests queue"}.get(
            str(requester.get("channel")), str(requester.get("channel")))
        who = principal or "no signed-in principal"
        message = f", message {requester['messageId']}" if requester.get("messageId") else ""
        asked = f"Requested {via} by {who}{message}"
    operator = record.get("operator") or {}
    environments = record.get("environments") or {}
    lines = [f"{asked}, at {_when(requester.get('requestedAt'))}",
             f"Operator: {operator.get('displayName') or 'unknown'} ({operator.get('upn')})"]
    for key, label in (("financeAndOperations", "Finance and operations"), ("target", "Power Platform target"),
                       ("initial", "Initial environment")):
        if environments.get(key):
            lines.append(f"{label}: {named(environments[key])}")
    return lines


def _confirmation_lines(record: Mapping[str, Any]) -> list[RenderableType]:
    confirmation = record.get("confirmation") or {}
    if not confirmation:
        return [prose("Confirmation: none (the run never awaited one)")]
    if confirmation.get("confirmedAt"):
        head = (f"Confirmed by {actor_name(confirmation.get('confirmedBy'))} at "
                f"{_when(confirmation.get('confirmedAt'))}, typed \u201c{confirmation.get('typedName')}\u201d")
    else:
        head = f"Not confirmed (deadline {_when(confirmation.get('expiresAt'))})"
    lines: list[RenderableType] = [prose(head, style="bold")]
    count, dropped = confirmation.get("attemptCount") or 0, confirmation.get("attemptsNotKept") or 0
    lines.append(prose(f"{count} attempt{'' if count == 1 else 's'}"
                       + (f"; the {dropped} oldest were not kept" if dropped else "") + ":"))
    for attempt in confirmation.get("attempts") or []:
        verdict = "accepted" if attempt.get("accepted") else f"refused: {attempt.get('reason') or 'no match'}"
        lines.append(prose(f"{_when(attempt.get('at'))} {actor_name(attempt.get('by')) or 'unknown'} typed "
                           f"\u201c{attempt.get('typedName')}\u201d, {verdict}", indent=INDENT))
    return lines


def _setup_lines(record: Mapping[str, Any]) -> list[str]:
    setup = record.get("setup") or {}
    lines = []
    if setup.get("startedAt"):
        activity = f", setup activity {setup['setupActivityId']}" if setup.get("setupActivityId") else ""
        lines.append(f"Setup ({setup.get('mode')}) started at {_when(setup['startedAt'])}{activity}")
    provisioning = record.get("provisioning") or {}
    if provisioning:
        lines.append(f"Provisioning from {_when(provisioning.get('startedAt'))} to "
                     f"{_when(provisioning.get('endedAt'))}, {provisioning.get('polls') or 0} status reads, "
                     f"last state {provisioning.get('lastState')}")
    outcome = record.get("outcome") or {}
    if outcome:
        lines.append(f"Outcome: {outcome.get('result')} at {_when(outcome.get('completedAt'))}: "
                     f"{outcome.get('message')}")
    return lines
