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

from domain import phases as P
from domain.environments import named_environments
from domain.provisioning_app import ProvisioningAppOptions
from domain.run_progress import (
    INSTRUCTION_PHASES, SETUP_PHASES, SUCCESS_PHASES, provisioning_summary, readable_time, timeline_steps,
)
from domain.setup_modes import instructions_title
from domain.status_document import StatusDocument

Document = StatusDocument | Mapping[str, Any]

INDENT = 4
_OUTCOME_STYLES = {
    "passed": ("\u2714 passed", "green"), "failed": ("\u2716 failed", "red"),
    "warning": ("\u26a0 warning", "yellow"), "error": ("\u2716 could not check", "red"),
}
_STEP_STYLES = {"done": ("\u2714", "green"), "current": ("\u25b6", "cyan"), "failed": ("\u2716", "red"),
                "pending": ("\u00b7", "dim")}
_PHASE_STYLES = {P.LINKED: "bold green", P.VALIDATED: "bold green", P.AWAITING_CONFIRMATION: "bold yellow"}
_STOPPED_PHASES = P.FINAL_PHASES - SUCCESS_PHASES


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
    style = _PHASE_STYLES.get(phase, "bold red" if phase in _STOPPED_PHASES else "bold cyan")
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


def timeline(status: Document) -> RenderableType:
    """The five steps; a step moves to the next line whole when the line is full."""
    steps = []
    for step in timeline_steps(status):
        mark, style = _STEP_STYLES[step.state]
        item = Text(f"{mark} {step.label}", style=style)
        if step.at:
            item.append(f" {readable_time(step.at)}", style="dim")
        steps.append(item)
    return Columns(steps, padding=(0, 3))


def progress_line(status: Document) -> Text:
    """One line saying what the run is doing now."""
    doc = StatusDocument.of(status)
    phase = doc.phase_name
    line = Text.assemble(phase_text(phase), " ")
    checks = doc.check_results()
    if phase == P.VALIDATING:
        line.append(f"{len(checks)} checks reported so far" if checks else "checks running")
    elif phase in SETUP_PHASES:
        line.append(provisioning_summary(doc) or "setup starting")
    return line


def live_view(status: Document) -> RenderableType:
    """What the screen shows while a command follows a run."""
    doc = StatusDocument.of(status)
    parts: list[RenderableType] = [timeline(doc), progress_line(doc)]
    checks = doc.check_results()
    if checks and doc.phase == P.VALIDATING:
        parts.append(checks_view(checks))
    return Group(*parts)


def named(environment: Mapping[str, Any]) -> str:
    name = environment.get("displayName") or environment.get("name")
    return f"{name} ({environment.get('id')})" if name else str(environment.get("id") or "unknown")


def environments_view(doc: StatusDocument) -> RenderableType:
    """Each environment by name with its id, and the page where an administrator manages it."""
    request = doc.request or {}
    target, fno = named_environments(doc.environments, request)
    parts: list[RenderableType] = []
    if request.get("provisioningApp"):  # setup mode unified: installed into the target, no LCS environment
        options = ProvisioningAppOptions.from_dict(request["provisioningApp"]).describe()
        parts.append(prose(f"Finance and operations: installed into the target by the Provisioning App ({options})"))
    else:
        parts.append(prose(f"Finance and operations: {named(fno)}"))
    if fno.get("lcsUrl"):
        parts.append(address(f"LCS project {request.get('lcsProjectId')}", fno["lcsUrl"]))
    parts.append(prose(f"Target: {named(target)}"))
    if target.get("dataverseUrl"):
        parts.append(address("Dataverse", target["dataverseUrl"]))
    if target.get("adminUrl"):
        parts.append(address("Admin center", target["adminUrl"]))
    operator = str(request.get("operator") or "")
    if doc.operator_display_name:
        operator = f"{doc.operator_display_name} ({operator})"
    mode = f", setup mode {request['setupMode']}" if request.get("setupMode") else ""
    parts.append(prose(f"Operator: {operator}{mode}"))
    return Group(*parts)


def confirmation_view(status: Document, review_url: str) -> RenderableType:
    """Everything the LCS dialog says before you type your name, and more."""
    doc = StatusDocument.of(status)
    initial = doc.initial_environment or {}
    body = Text(doc.notice)
    if initial:
        body.append("\nInitial Power Platform environment that will be disconnected: ", style="bold")
        body.append(named(initial))
    if doc.confirmation and doc.confirmation.expires_at:
        body.append(f"\nConfirm before {readable_time(doc.confirmation.expires_at)}.")
    if doc.operator_display_name:
        body.append("\nType the operator's name to confirm: ")
        body.append(str(doc.operator_display_name), style="bold")
    attempt = doc.latest_attempt()
    if attempt and not attempt.accepted:
        body.append(f"\nLast attempt not accepted: {attempt.reason or 'the name did not match'}", style="red")
    panel = Panel(body, title="This action can't be undone", border_style="red", title_align="left")
    return Group(panel, address("Review page:", review_url, indent=0))


def status_view(status: Document, review_url: str, verbose: bool = False) -> RenderableType:
    doc = StatusDocument.of(status)
    phase = doc.phase_name
    header = Text.assemble(Text(str(doc.instance_id or ""), style="bold"), "  ", phase_text(phase))
    parts: list[RenderableType] = [header]
    if doc.request:
        parts.append(environments_view(doc))
    parts += [timeline(doc), progress_line(doc)]
    activity = doc.provisioning and doc.provisioning.setup_activity_id
    if activity:
        parts.append(prose(f"Setup activity: {activity}"))
    checks = doc.check_results()
    if checks:
        parts.append(checks_view(checks, verbose))
    if phase == P.AWAITING_CONFIRMATION:
        parts.append(confirmation_view(doc, review_url))
    if doc.operator_instructions and phase in INSTRUCTION_PHASES:
        parts.append(Text(f"{instructions_title((doc.request or {}).get('setupMode'))}:", style="bold"))
        parts += [prose(f"{number}. {step}", indent=2)
                  for number, step in enumerate(doc.operator_instructions, start=1)]
    if doc.outcome:
        parts.append(outcome_view(doc))
    return Group(*parts)


def outcome_view(doc: StatusDocument) -> RenderableType:
    outcome = doc.outcome
    result = str(outcome.result or doc.phase_name)
    body = Text(str(outcome.message or result))
    disconnected = outcome.disconnected_environment or {}
    if disconnected:
        body.append("\nDisconnected initial environment: ", style="bold")
        body.append(named(disconnected))
    if outcome.recommendation:
        body.append("\nRecommendation: ", style="bold").append(str(outcome.recommendation))
    style = "green" if result in SUCCESS_PHASES else "red"
    return Panel(body, title=Text(f"Outcome: {result}"), border_style=style, title_align="left")
