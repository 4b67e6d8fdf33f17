"""How the command-line tool shows a run to a person (rich renderables).

Values from the API are wrapped in `Text`, never passed as markup strings: a display name such as
"[red]x" must print as written.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from webui.phases import (
    AWAITING_CONFIRMATION, latest_attempt, phase_of, provisioning_summary, readable_time,
    timeline_steps,
)

_OUTCOME_STYLES = {
    "passed": ("\u2714 passed", "green"), "failed": ("\u2716 failed", "red"),
    "warning": ("\u26a0 warning", "yellow"), "error": ("\u2716 could not check", "red"),
}
_STEP_STYLES = {"done": ("\u2714", "green"), "current": ("\u25b6", "cyan"), "failed": ("\u2716", "red"),
                "pending": ("\u00b7", "dim")}
_PHASE_STYLES = {"Linked": "bold green", "Validated": "bold green", "AwaitingConfirmation": "bold yellow"}


def phase_text(phase: str) -> Text:
    style = _PHASE_STYLES.get(phase, "bold red" if phase.endswith(("Failed", "TimedOut", "Expired")) or
                              phase in ("Failed", "Cancelled") else "bold cyan")
    return Text(phase, style=style)


def checks_table(checks: Iterable[Mapping[str, Any]]) -> Table:
    table = Table(title="Checks", title_justify="left", expand=True, show_lines=False)
    table.add_column("Outcome", no_wrap=True)
    table.add_column("Check")
    table.add_column("Detail and how to fix", ratio=3)
    for check in checks:
        outcome = str(check.get("outcome") or "error")
        label, style = _OUTCOME_STYLES.get(outcome, (outcome, "red"))
        detail = Text(str(check.get("detail") or ""))
        if check.get("remediation") and outcome != "passed":
            detail.append("\nFix: ", style="bold").append(str(check["remediation"]))
        table.add_row(Text(label, style=style), Text(str(check.get("title") or check.get("id"))), detail)
    return table


def timeline(status: Mapping[str, Any]) -> Text:
    line = Text()
    for index, step in enumerate(timeline_steps(status)):
        mark, style = _STEP_STYLES[step.state]
        if index:
            line.append("  \u2192  ", style="dim")
        line.append(f"{mark} {step.label}", style=style)
        if step.at:
            line.append(f" {readable_time(step.at)}", style="dim")
    return line


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
        parts.append(checks_table(checks))
    return Group(*parts)


def confirmation_view(status: Mapping[str, Any], review_url: str) -> RenderableType:
    """Everything the LCS dialog says before you type your name, and more."""
    initial = status.get("initialEnvironment") or {}
    body = Text(str(status.get("irreversibilityNotice") or "Linking can't be undone."))
    if initial:
        body.append("\n\nInitial Power Platform environment that will be disconnected: ", style="bold")
        body.append(f"{initial.get('displayName') or ''} ({initial.get('id') or ''})")
    confirmation = status.get("confirmation") or {}
    if confirmation.get("expiresAt"):
        body.append(f"\nConfirm before {readable_time(confirmation['expiresAt'])}.")
    if status.get("operatorDisplayName"):
        body.append("\nType the operator's name to confirm: ")
        body.append(str(status["operatorDisplayName"]), style="bold")
    body.append("\nReview page: ").append(review_url, style="underline")
    attempt = latest_attempt(status)
    if attempt and not attempt.get("accepted"):
        body.append(f"\nLast attempt not accepted: {attempt.get('reason') or 'the name did not match'}",
                    style="red")
    return Panel(body, title="This action can't be undone", border_style="red", title_align="left")


def status_view(status: Mapping[str, Any], review_url: str) -> RenderableType:
    phase = phase_of(status)
    header = Text.assemble(Text(str(status.get("instanceId") or ""), style="bold"), "  ", phase_text(phase))
    request = status.get("request") or {}
    parts: list[RenderableType] = [header]
    if request:
        summary = (f"LCS project {request.get('lcsProjectId')}, environment {request.get('lcsEnvironmentId')} "
                   f"\u2192 Power Platform {request.get('powerPlatformEnvironmentId')}; "
                   f"operator {request.get('operator')}")
        if request.get("setupMode"):
            summary += f", setup mode {request['setupMode']}"
        parts.append(Text(summary))
    parts += [timeline(status), progress_line(status)]
    checks = [c for c in status.get("checks") or [] if isinstance(c, Mapping)]
    if checks:
        parts.append(checks_table(checks))
    if phase == AWAITING_CONFIRMATION:
        parts.append(confirmation_view(status, review_url))
    if status.get("operatorInstructions") and phase in ("StartingSetup", "Provisioning"):
        steps = Text("What to do in Lifecycle Services:", style="bold")
        for number, step in enumerate(status["operatorInstructions"], start=1):
            steps.append(f"\n{number}. {step}", style="")
        parts.append(steps)
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
        body.append(f"{disconnected.get('displayName') or ''} ({disconnected.get('id') or ''})")
    if outcome.get("recommendation"):
        body.append("\nRecommendation: ", style="bold").append(str(outcome["recommendation"]))
    style = "green" if result in ("Linked", "Validated") else "red"
    return Panel(body, title=Text(f"Outcome: {result}"), border_style=style, title_align="left")


def links_table(items: Iterable[Mapping[str, Any]]) -> Table:
    table = Table(title="Link runs", title_justify="left")
    for column in ("Instance", "Phase", "Operator", "Created", "Updated"):
        table.add_column(column)
    for item in items:
        table.add_row(Text(str(item.get("instanceId") or "")), phase_text(str(item.get("phase") or "")),
                      Text(str(item.get("operator") or "")), Text(readable_time(item.get("createdTime"))),
                      Text(readable_time(item.get("lastUpdatedTime"))))
    return table
