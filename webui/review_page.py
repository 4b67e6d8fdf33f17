"""The review page: what an administrator reads before confirming an irreversible link, and the
progress of the run afterwards.

Every value from the status document is untrusted text (display names, remediation, evidence come
from Microsoft services and from callers): all of it goes through `_text`, and markup is
only ever built from literals in this module.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

from domain.environments import admin_center_url, named_environments
from domain.provisioning_app import ProvisioningAppOptions
from domain.setup_modes import find_mode, instructions_title
from webui.html import environment_html, mapping as _mapping, page, refresh_bar, text as _text, time_element as _time
from domain.phases import AWAITING_CONFIRMATION
from domain.run_progress import (
    INSTRUCTION_PHASES, Step, actor_name, confirmed_not_yet_shown, is_running, timeline_steps,
)
from domain.status_document import UNKNOWN_PHASE, StatusDocument

MESSAGE_KINDS = ("info", "success", "error", "pending")
RUNNING_REFRESH_SECONDS = 5
PENDING_REFRESH_SECONDS = 1

_OUTCOME_LABELS = {
    "passed": "\u2714 Passed", "failed": "\u2716 Failed", "warning": "\u26a0 Warning",
    "error": "\u2716 Could not check",
}
_STEP_STATE_LABELS = {
    "done": "\u2714 Done", "current": "\u25b6 In progress", "failed": "\u2716 Stopped",
    "pending": "Not yet",
}
_REQUEST_FIELDS = (
    ("operator", "Operator"),
    ("setupMode", "Setup mode"),
    ("confirmationTimeout", "Confirmation timeout"),
    ("correlationId", "Correlation id"),
)
_EVIDENCE_MAX_DEPTH = 4


def render_review_page(
    status: StatusDocument | Mapping[str, Any],
    *,
    confirm_action_url: str,
    message: str | None = None,
    message_kind: str | None = None,
) -> str:
    """A complete HTML page for one run. The confirmation form appears only while the run awaits
    confirmation; `message_kind` "pending" means a submission is being checked (the page then
    refreshes soon even though the run waits)."""
    status = StatusDocument.of(status)
    phase = status.phase_name
    awaiting = phase == AWAITING_CONFIRMATION
    kind = message_kind if message_kind in MESSAGE_KINDS else "info"
    refresh = _refresh_seconds(status, message, kind)
    body = [
        _notice(message, kind),
        _refresh_bar(refresh),
        _progress_section(status),
        _outcome_section(status),
        _instructions_section(status),
    ]
    if awaiting:
        body.append(_irreversible_section(status))
    body += [_request_section(status), _checks_section(status)]
    if awaiting:
        body.append(_confirm_section(status, confirm_action_url, rejected=bool(message) and kind == "error"))
    body.append(_history_section(status))
    title = f"{_title_of(status)}: {phase}"
    return _page(title, status, refresh, "".join(part for part in body if part))


def render_not_found_page(instance_id: str) -> str:
    content = (
        "<section><p>There is no link or preflight run with the id "
        f"<strong>{_text(instance_id)}</strong>. Check the address you were given.</p></section>"
    )
    return _page("No such run", StatusDocument(instance_id=instance_id, phase=UNKNOWN_PHASE), None, content)


def _page(title: str, status: StatusDocument, refresh: int | None, content: str) -> str:
    phase = f'<p class="phase">Phase: <strong id="phase">{_text(status.phase_name)}</strong></p>'
    footer = f"<p>Run <code>{_text(status.instance_id or '')}</code>{_updated(status)}</p>"
    return page(title, _title_of(status), content, refresh=refresh, subheading=phase, footer=footer)


def _title_of(status: StatusDocument) -> str:
    if status.phase == UNKNOWN_PHASE:
        return "No such run"
    if status.kind == "preflight":
        return "Preflight checks"
    if status.phase == AWAITING_CONFIRMATION:
        return "Review and confirm the link"
    return "Link status"


def _updated(status: StatusDocument) -> str:
    updated = status.last_updated_time
    return f", last updated {_time(updated)}" if updated else ""


def _refresh_seconds(status: StatusDocument, message: str | None, kind: str) -> int | None:
    if message and kind == "pending" or confirmed_not_yet_shown(status):
        return PENDING_REFRESH_SECONDS  # the run is about to move on: show it soon
    return RUNNING_REFRESH_SECONDS if is_running(status) else None


def _notice(message: str | None, kind: str) -> str:
    if not message:
        return ""
    # Errors interrupt (alert); everything else is announced politely (status).
    role = "alert" if kind == "error" else "status"
    css = "pending-submission" if kind == "pending" else kind
    return (
        f'<div class="notice {css}" role="{role}" id="notice"><p>{_text(message)}</p></div>\n'
    )


def _refresh_bar(refresh: int | None) -> str:
    return refresh_bar(refresh, "while the run is in progress")


def _progress_section(status: StatusDocument) -> str:
    items = "".join(_step_item(step) for step in timeline_steps(status))
    return (
        '<section aria-labelledby="h-progress"><h2 id="h-progress">Progress</h2>'
        f'<ol class="timeline">{items}</ol></section>\n'
    )


def _step_item(step: Step) -> str:
    # The state is written out in words, never carried by colour alone.
    when = f'<span class="when">{_time(step.at)}</span>' if step.at else ""
    detail = f'<span class="detail">{_text(step.detail)}</span>' if step.detail else ""
    current = ' aria-current="step"' if step.state == "current" else ""
    return (
        f'<li class="step" data-step="{_text(step.key)}" data-state="{_text(step.state)}"{current}>'
        f"<h3>{_text(step.label)}</h3>"
        f'<span class="badge {_text(step.state)}">{_text(_STEP_STATE_LABELS[step.state])}</span>'
        f"{when}{detail}</li>"
    )


def _outcome_section(status: StatusDocument) -> str:
    outcome = status.outcome
    if not outcome:
        return ""
    facts = [("Result", outcome.result), ("Message", outcome.message), ("Completed", _time(outcome.completed_at))]
    disconnected = _mapping(outcome.disconnected_environment)
    if disconnected:
        facts.append(("Disconnected initial environment", environment_html(_with_admin_page(disconnected))))
    linked = _mapping(outcome.linked_environment)
    if linked:
        facts.append(("Linked environment", _evidence(linked, 0)))
    if outcome.recommendation:
        facts.append(("Recommendation", outcome.recommendation))
    return (
        '<section aria-labelledby="h-outcome"><h2 id="h-outcome">Outcome</h2>'
        f"{_facts(facts, markup_keys={'Completed', 'Linked environment', 'Disconnected initial environment'})}</section>\n"
    )


def _instructions_section(status: StatusDocument) -> str:
    steps = status.operator_instructions or []
    if not steps or status.phase not in INSTRUCTION_PHASES:
        return ""
    items = "".join(f"<li>{_text(step)}</li>" for step in steps)
    title = instructions_title(_mapping(status.request).get("setupMode"))
    return (
        f'<section aria-labelledby="h-instructions"><h2 id="h-instructions">{_text(title)}</h2>'
        f"<ol>{items}</ol></section>\n"
    )


def _irreversible_section(status: StatusDocument) -> str:
    notice = status.notice
    initial = _mapping(status.initial_environment)
    if _installs_into_target(_mapping(status.request)):
        initial_text = "No other environment is changed: finance and operations is installed into this one."
    elif initial:
        initial_text = (
            "The initial Power Platform environment that will be disconnected from this finance "
            f"and operations environment is <strong>{environment_html(initial)}</strong>. "
            "Write it down: it stays in the tenant and you may want to delete or reuse it. "
            f"{environment_html(_with_admin_page(initial), links_only=True)}"
        )
    else:
        initial_text = (
            "No initial Power Platform environment is connected to this finance and operations "
            "environment, so none will be disconnected."
        )
    return (
        '<section class="irreversible" aria-labelledby="h-irreversible">'
        '<h2 id="h-irreversible">This action can\'t be undone</h2>'
        f'<p id="irreversibility-notice">{_text(notice)}</p>'
        f'<p id="initial-environment">{initial_text}</p></section>\n'
    )


def _request_section(status: StatusDocument) -> str:
    request = _mapping(status.request)
    if not request:
        return ('<section aria-labelledby="h-request"><h2 id="h-request">Request</h2>'
                "<p>The request is not available.</p></section>\n")
    target, fno = named_environments(status.environments, request)
    if _installs_into_target(request):
        facts = [("Power Platform environment to install finance and operations into", environment_html(target)),
                 ("Dynamics 365 Finance and Operations Provisioning App",
                  ProvisioningAppOptions.from_dict(_mapping(request.get("provisioningApp"))).describe())]
    else:
        facts = [("Finance and operations environment", environment_html(fno)),
                 ("LCS project", request.get("lcsProjectId")),
                 ("Power Platform environment to link", environment_html(target))]
    facts += [(label, request.get(key)) for key, label in _REQUEST_FIELDS if request.get(key) not in (None, "")]
    operator_name = status.operator_display_name
    if operator_name:
        facts.insert(next((i + 1 for i, (label, _) in enumerate(facts) if label == "Operator"), len(facts)),
                     ("Operator name", operator_name))
    markup = {"Finance and operations environment", "Power Platform environment to link",
              "Power Platform environment to install finance and operations into"}
    return (
        '<section aria-labelledby="h-request"><h2 id="h-request">Request</h2>'
        f'<div id="environments">{_facts(facts, markup_keys=markup)}</div></section>\n'
    )


def _installs_into_target(request: Mapping[str, Any]) -> bool:
    """The run's mode installs finance and operations into the target (unified), not linking an LCS one."""
    mode = find_mode(request.get("setupMode"))
    return bool(mode and not mode.lcs_managed)


def _with_admin_page(environment: Mapping[str, Any]) -> dict[str, Any]:
    env_id = environment.get("id")
    return {"adminUrl": admin_center_url(env_id) if env_id else None, **environment}


def _checks_section(status: StatusDocument) -> str:
    checks = status.check_results()
    if not checks:
        summary = "<p>The checks are still running.</p>" if is_running(status) else (
            "<p>No checks were recorded.</p>")
        return (
            '<section aria-labelledby="h-checks"><h2 id="h-checks">Checks</h2>'
            f"{summary}</section>\n"
        )
    counts: dict[str, int] = {}
    for check in checks:
        counts[str(check.get("outcome"))] = counts.get(str(check.get("outcome")), 0) + 1
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
    items = "".join(_check_item(index, check) for index, check in enumerate(checks))
    return (
        '<section aria-labelledby="h-checks"><h2 id="h-checks">Checks</h2>'
        f'<p id="checks-summary">{len(checks)} checks: {_text(summary)}.</p>'
        f'<ol class="checks">{items}</ol></section>\n'
    )


def _check_item(index: int, check: Mapping[str, Any]) -> str:
    outcome = str(check.get("outcome") or "error")
    label = _OUTCOME_LABELS.get(outcome, outcome)
    heading_id = f"check-{index}"
    parts = [
        f'<li class="check" data-check-id="{_text(check.get("id") or "")}" '
        f'data-outcome="{_text(outcome)}"><article aria-labelledby="{heading_id}">'
        f'<div class="check-head"><h3 id="{heading_id}">{_text(check.get("title") or check.get("id"))}'
        f'</h3><span class="badge {_text(outcome)}">{_text(label)}</span></div>'
    ]
    if check.get("detail"):
        parts.append(f'<p class="detail">{_text(check["detail"])}</p>')
    if check.get("remediation") and outcome != "passed":
        parts.append(
            f'<p class="remediation"><span class="label">How to fix:</span> '
            f'{_text(check["remediation"])}</p>'
        )
    evidence = check.get("evidence")
    if evidence:
        parts.append(
            "<details><summary>Evidence</summary>"
            f'<div class="evidence">{_evidence(evidence, 0)}</div></details>'
        )
    parts.append("</article></li>")
    return "".join(parts)


def _confirm_section(status: StatusDocument, action_url: str, *, rejected: bool) -> str:
    name = status.operator_display_name
    who = (
        f"Type the operator's name, <strong>{_text(name)}</strong>, exactly as shown."
        if name else "Type your name as it appears in your account."
    )
    expires = status.confirmation and status.confirmation.expires_at
    expiry = f" If nobody confirms by {_time(expires)}, the run stops." if expires else ""
    last = status.latest_attempt()
    last_text = ""
    if last:
        verdict = "accepted" if last.accepted else "not accepted"
        reason = f": {_text(str(last.reason).rstrip('.'))}" if last.reason and not last.accepted else ""
        last_text = (
            f'<p id="last-attempt">Last attempt {_time(last.at)} by '
            f"{_text(actor_name(last.by) or 'unknown')}, typed name "
            f"\u201c{_text(last.typed_name or '')}\u201d: {verdict}{reason}.</p>"
        )
    initial = _mapping(status.initial_environment)
    acknowledgement = "I have read every check and I understand that linking can't be undone"
    if initial:
        acknowledgement += f" and that {_environment_text(initial)} will be disconnected"
    invalid = ' aria-invalid="true"' if rejected else ""
    described = "confirm-help notice" if rejected else "confirm-help"
    return (
        '<section aria-labelledby="h-confirm"><h2 id="h-confirm">Confirm</h2>'
        f'<form class="confirm" method="post" action="{_text(action_url)}">'
        "<fieldset><legend>Confirm the link</legend>"
        f'<p id="confirm-help">{who} Only the operator or a listed confirmer can confirm.{expiry}</p>'
        f"{last_text}"
        '<div class="field check">'
        '<input type="checkbox" id="acknowledge" name="acknowledge" value="yes" required>'
        f'<label for="acknowledge">{_text(acknowledgement)}.</label></div>'
        '<div class="field text"><label for="typedName">Your name</label>'
        '<input type="text" id="typedName" name="typedName" required maxlength="256" '
        f'autocomplete="name" spellcheck="false" aria-describedby="{described}"{invalid}></div>'
        '<button type="submit">Confirm and start setup</button>'
        "</fieldset></form></section>\n"
    )


def _history_section(status: StatusDocument) -> str:
    if not status.timeline:
        return ""
    rows = "".join(f"<tr><td>{_text(e.phase)}</td><td>{_time(e.at)}</td></tr>" for e in status.timeline)
    return (
        '<section aria-labelledby="h-history"><h2 id="h-history">History</h2>'
        '<table class="history" aria-labelledby="h-history">'
        '<thead><tr><th scope="col">Phase</th><th scope="col">Since</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></section>\n"
    )


def _facts(facts: Iterable[tuple[str, Any]], markup_keys: frozenset[str] | set[str] = frozenset()) -> str:
    rows = []
    for label, value in facts:
        if value in (None, ""):
            continue
        shown = value if label in markup_keys else _text(value)
        rows.append(f"<dt>{_text(label)}</dt><dd>{shown}</dd>")
    return f'<dl class="facts">{"".join(rows)}</dl>'


def _evidence(value: Any, depth: int) -> str:
    if depth >= _EVIDENCE_MAX_DEPTH:
        return f"<code>{_text(json.dumps(value, default=str))}</code>"
    if isinstance(value, Mapping):
        if not value:
            return "none"
        rows = "".join(
            f"<dt>{_text(key)}</dt><dd>{_evidence(item, depth + 1)}</dd>" for key, item in value.items()
        )
        return f"<dl>{rows}</dl>"
    if isinstance(value, (list, tuple)):
        if not value:
            return "none"
        return "<ul>" + "".join(f"<li>{_evidence(item, depth + 1)}</li>" for item in value) + "</ul>"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "\u2014"
    return _text(value)


def _environment_text(environment: Mapping[str, Any]) -> str:
    name, env_id = environment.get("displayName"), environment.get("id")
    if name and env_id:
        return f"{name} ({env_id})"
    return str(name or env_id or "an unnamed environment")
