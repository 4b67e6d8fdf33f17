"""How the command-line tool shows a run to a person (rich renderables).

Laid out to read at 80 columns as well as at 200: one line per check (outcome and title), its
detail and fix indented below, evidence only with --verbose; no tables whose columns squeeze
text into a word per line. Words wrap, ids never break (rich wraps at spaces only); addresses
sit alone on their line and are printed uncut (`print_view`), so the terminal wraps them
and they stay whole for copying and clicking.

Values from the API are wrapped in `Text`, never passed as markup strings: a display name such as
"[red]x" must print as written.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

from rich.columns import Columns
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from domain.environments import named_environments
from domain.setup_modes import instructions_title
from webui.phases import (
    AWAITING_CONFIRMATION, latest_attempt, phase_of, provisioning_summary, readable_time,
    timeline_steps,
)

INDENT = 4
_OUTCOME_STYLES = {
    "passed": ("\u2714 passed", "green"), "failed": ("\u2716 failed", "red"),
    "warning": ("\u26a0 warning", "yellow"), "error": ("\u2716 could not check", "red"),
}
_STEP_STYLES = {"done": ("\u2714", "green"), "current": ("\u25b6", "cyan"), "failed": ("\u2716", "red"),
                "pending": ("\u00b7", "dim")}
_PHASE_STYLES = {"Linked": "bold green", "Validated": "bold green", "AwaitingConfirmation": "bold yellow"}


def print_view(console: Console, view: RenderableType) -> None:
    """Prose wraps at the console's width; address lines (`address`) are left whole."""
    console.print(view, crop=False)


def prose(value: Any = "", style: str = "", indent: int = 0) -> RenderableType:
    text = Text(str(value), style=style, no_wrap=False, overflow="fold")
    return Padding(text, (0, 0, 0, indent)) if indent else text


def address(label: str, url: Any, indent: int = INDENT) -> Text:
    """One address on a line of its own, never wrapped by us (see `print_view`)."""
    line = Text(" " * indent + (f"{label} " if label else ""), no_wrap=True, overflow="ignore")
    return line.append(str(url), style="underline")


def phase_text(phase: str) -> Text:
    style = _PHASE_STYLES.get(phase, "bold red" if phase.endswith(("Failed", "TimedOut", "Expired")) or
                              phase in ("Failed", "Cancelled") else "bold cyan")
    return Text(phase, style=style)


def outcome_label(outcome: str) -> Text:
    label, style = _OUTCOME_STYLES.get(outcome, (outcome, "red"))
    return Text(label, style=style)


def checks_view(checks: Iterable[Mapping[str, Any]], verbose: bool = False) -> RenderableType:
    checks = [c for c in checks if isinstance(c, Mapping)]
    counts: dict[str, int] = {}
    for check in checks:
        counts[str(check.get("outcome"))] = counts.get(str(check.get("outcome")), 0) + 1
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
    parts: list[RenderableType] = [Text(f"Checks: {summary}", style="bold")]
    for check in checks:
        parts += check_lines(check, verbose)
    return Group(*parts)


def check_lines(check: Mapping[str, Any], verbose: bool) -> list[RenderableType]:
    outcome = str(check.get("outcome") or "error")
    title = Text(str(check.get("title") or check.get("id")))
    if verbose:
        title.append(f" ({check.get('id')})", style="dim")
    # Two columns for the head only: a long title wraps under itself, not under the outcome.
    head = Table.grid(padding=(0, 2))
    head.add_column(no_wrap=True)
    head.add_column()
    head.add_row(outcome_label(outcome), title)
    lines: list[RenderableType] = [head]
    if check.get("detail"):
        lines.append(prose(check["detail"], indent=INDENT))
    if check.get("remediation") and outcome != "passed":
        lines.append(Padding(Text.assemble(("Fix: ", "bold"), str(check["remediation"])), (0, 0, 0, INDENT)))
    if verbose and check.get("evidence"):
        lines.append(prose("Evidence:", style="dim", indent=INDENT))
        lines += [prose(f"{key}: {_evidence_value(value)}", style="dim", indent=INDENT * 2)
                  for key, value in dict(check["evidence"]).items()]
    return lines


def _evidence_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def timeline(status: Mapping[str, Any]) -> RenderableType:
    """The five steps; a step moves to the next line whole when the line is full."""
    steps = []
    for step in timeline_steps(status):
        mark, style = _STEP_STYLES[step.state]
        item = Text(f"{mark} {step.label}", style=style)
        if step.at:
            item.append(f" {readable_time(step.at)}", style="dim")
        steps.append(item)
    return Columns(steps, padding=(0, 3))


def progress_line(status: Mapping[str, Any]) -> Text:
    """One line saying what the run is doing now."""
    phase = phase_of(status)
    line = Text.assemble(phase_text(phase), " ")
    checks = [c for c in status.get("checks") or [] if isinstance(c, Mapping)]
    if phase == "Validating":
        line.append(f"{len(checks)} checks reported so far" if checks else "checks running")
    elif phase in ("StartingSetup", "Provisioning", "Verifying"):
        line.append(provisioning_summary(status) or "setup starting")
    return line


def live_view(status: Mapping[str, Any]) -> RenderableType:
    """What the screen shows while a command follows a run."""
    parts: list[RenderableType] = [timeline(status), progress_line(status)]
    checks = [c for c in status.get("checks") or [] if isinstance(c, Mapping)]
    if checks and phase_of(status) == "Validating":
        parts.append(checks_view(checks))
    return Group(*parts)


def named(environment: Mapping[str, Any]) -> str:
    name = environment.get("displayName") or environment.get("name")
    return f"{name} ({environment.get('id')})" if name else str(environment.get("id") or "unknown")


def environments_view(status: Mapping[str, Any]) -> RenderableType:
    """Each environment by name with its id, and the page where an administrator manages it."""
    target, fno = named_environments(status)
    request = status.get("request") or {}
    parts: list[RenderableType] = [prose(f"Finance and operations: {named(fno)}")]
    if fno.get("lcsUrl"):
        parts.append(address(f"LCS project {request.get('lcsProjectId')}", fno["lcsUrl"]))
    parts.append(prose(f"Target: {named(target)}"))
    if target.get("dataverseUrl"):
        parts.append(address("Dataverse", target["dataverseUrl"]))
    if target.get("adminUrl"):
        parts.append(address("Admin center", target["adminUrl"]))
    operator = str(request.get("operator") or "")
    if status.get("operatorDisplayName"):
        operator = f"{status['operatorDisplayName']} ({operator})"
    mode = f", setup mode {request['setupMode']}" if request.get("setupMode") else ""
    parts.append(prose(f"Operator: {operator}{mode}"))
    return Group(*parts)


def confirmation_view(status: Mapping[str, Any], review_url: str) -> RenderableType:
    """Everything the LCS dialog says before you type your name, and more."""
    initial = status.get("initialEnvironment") or {}
    body = Text(str(status.get("irreversibilityNotice") or "Linking can't be undone."))
    if initial:
        body.append("\nInitial Power Platform environment that will be disconnected: ", style="bold")
        body.append(named(initial))
    confirmation = status.get("confirmation") or {}
    if confirmation.get("expiresAt"):
        body.append(f"\nConfirm before {readable_time(confirmation['expiresAt'])}.")
    if status.get("operatorDisplayName"):
        body.append("\nType the operator's name to confirm: ")
        body.append(str(status["operatorDisplayName"]), style="bold")
    attempt = latest_attempt(status)
    if attempt and not attempt.get("accepted"):
        body.append(f"\nLast attempt not accepted: {attempt.get('reason') or 'the name did not match'}",
                    style="red")
    panel = Panel(body, title="This action can't be undone", border_style="red", title_align="left")
    return Group(panel, address("Review page:", review_url, indent=0))


def status_view(status: Mapping[str, Any], review_url: str, verbose: bool = False) -> RenderableType:
    phase = phase_of(status)
    header = Text.assemble(Text(str(status.get("instanceId") or ""), style="bold"), "  ", phase_text(phase))
    parts: list[RenderableType] = [header]
    if status.get("request"):
        parts.append(environments_view(status))
    parts += [timeline(status), progress_line(status)]
    activity = (status.get("provisioning") or {}).get("setupActivityId")
    if activity:
        parts.append(prose(f"Setup activity: {activity}"))
    checks = [c for c in status.get("checks") or [] if isinstance(c, Mapping)]
    if checks:
        parts.append(checks_view(checks, verbose))
    if phase == AWAITING_CONFIRMATION:
        parts.append(confirmation_view(status, review_url))
    if status.get("operatorInstructions") and phase in ("StartingSetup", "Provisioning"):
        title = instructions_title((status.get("request") or {}).get("setupMode"))
        parts.append(Text(f"{title}:", style="bold"))
        parts += [prose(f"{number}. {step}", indent=2)
                  for number, step in enumerate(status["operatorInstructions"], start=1)]
    if status.get("outcome"):
        parts.append(outcome_view(status))
    return Group(*parts)


def outcome_view(status: Mapping[str, Any]) -> RenderableType:
    outcome = status.get("outcome") or {}
    result = str(outcome.get("result") or phase_of(status))
    body = Text(str(outcome.get("message") or result))
    disconnected = outcome.get("disconnectedEnvironment") or {}
    if disconnected:
        body.append("\nDisconnected initial environment: ", style="bold")
        body.append(named(disconnected))
    if outcome.get("recommendation"):
        body.append("\nRecommendation: ", style="bold").append(str(outcome["recommendation"]))
    style = "green" if result in ("Linked", "Validated") else "red"
    return Panel(body, title=Text(f"Outcome: {result}"), border_style=style, title_align="left")
