"""`python -m cli`: link, preflight, status, confirm, cancel, list, audit and login, for operators.

Human output goes to stdout, live progress and prompts to stderr; with --json, stdout carries
exactly one JSON document per command: {"command", "exitCode", ...}. Exit codes: cli/exit_codes.py.
"""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Callable, Iterator, Optional

import typer
from rich.console import Console, RenderableType
from rich.live import Live
from rich.text import Text

from cli import reports, views
from cli.client import ApiError, LinkApi
from cli.exit_codes import ExitCode, for_http_status, for_phase
from cli.follow import Follower, FollowTimeout, Status
from cli.options import (
    AppVersionOpt, CorrelationOpt, DemoDataOpt, DevToolsOpt, EnvironmentOpt, InstanceId, JsonFlag, NoWaitOpt,
    OperatorOpt, Phase, ProjectOpt, SetupModeOpt, TargetOpt, TimeoutDurationOpt, VerboseFlag, app_options,
    link_request,
)
from domain.fleet import fleet
from domain.phases import AWAITING_CONFIRMATION, CANCELLED, VALIDATING
from domain.run_progress import attempts_marker, is_final, phase_of
from domain.status_document import StatusDocument

DEFAULT_URL = "http://127.0.0.1:7071"

app = typer.Typer(
    name="cli", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Link a finance and operations environment to an existing Dataverse environment, "
         "through the link app's HTTP API (a local devhost or the deployed Function app).",
)



@dataclass
class Session:
    api: LinkApi
    json: bool
    verbose: bool
    poll_interval: float
    timeout: float | None
    out: Console
    err: Console

    def follower(self) -> Follower:
        return Follower(self.api, self.poll_interval, self.timeout)

    def follow(self, follower: Follower, instance_id: str, done: Callable[[Status], bool]) -> Status:
        with self._progress() as show:
            return follower.until(instance_id, done, show)

    @contextmanager
    def _progress(self) -> Iterator[Callable[[Status], None]]:
        """Live view on a terminal; one line per change when stderr is a log; nothing with --json."""
        if self.json:
            yield lambda status: None
        elif self.err.is_terminal:
            with Live(console=self.err, refresh_per_second=8, transient=True) as live:
                yield lambda status: live.update(views.live_view(status))
        else:
            last = None

            def log_line(status: Status) -> None:
                nonlocal last
                line = views.progress_line(status)
                if line.plain != last:
                    last = line.plain
                    self.err.print(line)
            yield log_line


class Done(Exception):
    """How a command ends: its exit code, its JSON document, what a person reads."""

    def __init__(self, code: ExitCode, payload: dict[str, Any], view: RenderableType | None = None):
        super().__init__(code)
        self.code, self.payload, self.view = code, payload, view


@app.callback()
def main(
    ctx: typer.Context,
    url: Annotated[str, typer.Option(envvar="LINK_API_URL", help="Base URL of the app.")] = DEFAULT_URL,
    function_key: Annotated[Optional[str], typer.Option(
        envvar="LINK_API_KEY", show_default=False,
        help="Function key, sent as x-functions-key (not needed on a local devhost).")] = None,
    principal: Annotated[Optional[str], typer.Option(
        envvar="LINK_PRINCIPAL",
        help="Local devhost only: the signed-in user to present (Easy Auth headers). In Azure, "
             "App Service Authentication sets these headers itself.")] = None,
    json_output: JsonFlag = False,
    verbose: VerboseFlag = False,
    poll_interval: Annotated[float, typer.Option(envvar="LINK_POLL_INTERVAL", min=0.01,
                                                 help="Seconds between status polls.")] = 0.5,
    timeout: Annotated[float, typer.Option(min=0, help="Stop following after this many seconds "
                                                       "(0: follow until the run ends).")] = 0,
) -> None:
    ctx.obj = Session(LinkApi(url, function_key, principal), json_output, verbose, poll_interval,
                      timeout or None, Console(), Console(stderr=True))


def _run(ctx: typer.Context, command: str, json_output: bool, body: Callable[[Session], Done],
         verbose: bool = False) -> None:
    session: Session = ctx.obj
    session.json = session.json or json_output
    session.verbose = session.verbose or verbose
    try:
        done = body(session)
    except Done as finished:
        done = finished
    except ApiError as error:
        done = _api_failure(error)
    except FollowTimeout as stopped:
        done = Done(ExitCode.SERVICE_FAILURE, {**_status_payload(session, stopped.status),
                                               "error": {"title": str(stopped)}})
    except KeyboardInterrupt:
        done = Done(ExitCode.INTERRUPTED, {"error": {"title": "interrupted; the run goes on in the app"}})
    _finish(session, command, done)


def _api_failure(error: ApiError) -> Done:
    payload: dict[str, Any] = {"error": {**error.problem, "status": error.status}}
    if error.problem.get("instanceId"):
        payload["instanceId"] = error.problem["instanceId"]
    return Done(for_http_status(error.status), payload)


def _finish(session: Session, command: str, done: Done) -> None:
    if session.json:
        document = {"command": command, "exitCode": int(done.code), **done.payload}
        typer.echo(json.dumps(document, default=str))
    else:
        if done.view is not None:
            views.print_view(session.out, done.view)
        error = done.payload.get("error")
        if error:
            session.err.print(Text(f"error: {ApiError(error.get('status'), error).summary}", style="red"))
            if done.payload.get("instanceId") and error.get("status") == 409:
                session.err.print(Text(f"existing run: {done.payload['instanceId']}"))
    raise typer.Exit(int(done.code))


def _status_payload(session: Session, status: Status) -> dict[str, Any]:
    instance_id = str(status.get("instanceId") or "")
    return {"instanceId": instance_id, "phase": phase_of(status),
            "reviewUrl": session.api.review_url(instance_id), "status": status}


def _final(session: Session, status: Status, code: ExitCode | None = None) -> Done:
    instance_id = str(status.get("instanceId") or "")
    return Done(for_phase(phase_of(status)) if code is None else code, _status_payload(session, status),
                views.status_view(status, session.api.review_url(instance_id), session.verbose))


def _follow_through(session: Session, follower: Follower, instance_id: str,
                    confirm_name: str | None) -> Done:
    """From wherever the run is to its end: checks, the typed name (asked for until accepted, or
    given once for unattended runs), provisioning."""
    status = session.follow(follower, instance_id,
                            lambda s: is_final(s) or phase_of(s) == AWAITING_CONFIRMATION)
    prompted = confirm_name is None
    while phase_of(status) == AWAITING_CONFIRMATION:
        if not session.json:
            views.print_view(session.out, views.status_view(status, session.api.review_url(instance_id),
                                                            session.verbose))
        name = confirm_name if confirm_name is not None else _ask_name(session, status)
        if name is None:
            # Nobody to ask (end of input): leave the run waiting, as --no-wait would.
            return _final(session, status, ExitCode.OK)
        status = _submit_name(session, follower, status, name)
        attempt = StatusDocument.of(status).latest_attempt()
        if phase_of(status) != AWAITING_CONFIRMATION or (attempt and attempt.accepted):
            break
        if not prompted:
            return _final(session, status, ExitCode.BAD_INPUT)
        if session.json:  # otherwise the status view, shown again, says so
            session.err.print(Text(f"Not accepted: {(attempt and attempt.reason) or 'the name did not match'}",
                                   style="red"))
    status = session.follow(follower, instance_id, is_final)
    return _final(session, status)


def _submit_name(session: Session, follower: Follower, status: Status, name: str) -> Status:
    """Confirms and waits for the run's verdict on the name."""
    instance_id = str(status["instanceId"])
    before = attempts_marker(status)
    session.api.confirm(instance_id, name)
    return session.follow(follower, instance_id,
                          lambda s: attempts_marker(s) != before or phase_of(s) != AWAITING_CONFIRMATION)


def _ask_name(session: Session, status: Status) -> str | None:
    expected = status.get("operatorDisplayName")
    question = "Type the operator's name to confirm" + (f" ({expected})" if expected else "")
    try:
        return typer.prompt(question, err=True)
    except typer.Abort:
        return None


@app.command()
def link(
    ctx: typer.Context,
    power_platform_environment_id: TargetOpt, operator: OperatorOpt,
    lcs_project_id: ProjectOpt = None, lcs_environment_id: EnvironmentOpt = None,
    setup_mode: SetupModeOpt = None, confirmation_timeout: TimeoutDurationOpt = None,
    developer_tools: DevToolsOpt = None, demo_data: DemoDataOpt = None, app_version: AppVersionOpt = None,
    correlation_id: CorrelationOpt = None,
    confirm_name: Annotated[Optional[str], typer.Option(
        help="The name to type for an unattended run; without it you are asked.")] = None,
    no_wait: NoWaitOpt = False,
    json_output: JsonFlag = False, verbose: VerboseFlag = False,
) -> None:
    """Start a link, show the checks as they complete, ask for the confirmation, follow provisioning."""
    request = link_request(lcs_project_id, lcs_environment_id, power_platform_environment_id, operator,
                            setup_mode, confirmation_timeout, correlation_id,
                            app_options(developer_tools, demo_data, app_version))

    def body(session: Session) -> Done:
        follower = session.follower()
        accepted = session.api.start_link(request)
        instance_id = str(accepted["instanceId"])
        if no_wait:
            return Done(ExitCode.OK, {"instanceId": instance_id, "phase": None,
                                      "reviewUrl": session.api.review_url(instance_id)},
                        Text(f"Started {instance_id}. Review: {session.api.review_url(instance_id)}"))
        return _follow_through(session, follower, instance_id, confirm_name)
    _run(ctx, "link", json_output, body, verbose)


@app.command()
def preflight(
    ctx: typer.Context,
    power_platform_environment_id: TargetOpt, operator: OperatorOpt,
    lcs_project_id: ProjectOpt = None, lcs_environment_id: EnvironmentOpt = None,
    setup_mode: SetupModeOpt = None, correlation_id: CorrelationOpt = None,
    developer_tools: DevToolsOpt = None, demo_data: DemoDataOpt = None, app_version: AppVersionOpt = None,
    json_output: JsonFlag = False, verbose: VerboseFlag = False,
) -> None:
    """Run every check and change nothing. Exit 0 when all pass, 3 when any fails."""
    request = link_request(lcs_project_id, lcs_environment_id, power_platform_environment_id, operator,
                            setup_mode, None, correlation_id, app_options(developer_tools, demo_data, app_version))

    def body(session: Session) -> Done:
        follower = session.follower()
        code, report = session.api.preflight(request)
        if code == 200:
            return _final(session, report)
        return _final(session, session.follow(follower, str(report["instanceId"]), is_final))
    _run(ctx, "preflight", json_output, body, verbose)


@app.command()
def status(
    ctx: typer.Context, instance_id: InstanceId,
    wait: Annotated[bool, typer.Option("--wait", help="Follow the run until it ends.")] = False,
    json_output: JsonFlag = False, verbose: VerboseFlag = False,
) -> None:
    """Show a run. The exit code follows its phase once it has ended (0 while it runs)."""
    def body(session: Session) -> Done:
        if wait:
            return _final(session, session.follow(session.follower(), instance_id, is_final))
        return _final(session, session.api.status(instance_id))
    _run(ctx, "status", json_output, body, verbose)


@app.command()
def confirm(
    ctx: typer.Context, instance_id: InstanceId,
    name: Annotated[Optional[str], typer.Option("--name", help="The name to type; without it you are asked.")] = None,
    no_wait: NoWaitOpt = False,
    json_output: JsonFlag = False, verbose: VerboseFlag = False,
) -> None:
    """Confirm a run that awaits confirmation, then follow it to its end. Exit 2 if the name is not accepted."""
    def body(session: Session) -> Done:
        if no_wait:
            if name is None:
                raise Done(ExitCode.BAD_INPUT, {"error": {"title": "--no-wait needs --name"}})
            accepted = session.api.confirm(instance_id, name)
            return Done(ExitCode.OK, {"instanceId": instance_id, "phase": None, "accepted": accepted},
                        Text(f"Confirmation sent for {instance_id}."))
        current = session.api.status(instance_id)
        if phase_of(current) not in (VALIDATING, AWAITING_CONFIRMATION):
            # What the API would answer; said before a name is typed for nothing.
            done = _final(session, current, ExitCode.CONFLICT)
            done.payload["error"] = {"status": 409, "title": "Conflict",
                                     "detail": f"the run is {phase_of(current)}, not awaiting confirmation"}
            return done
        return _follow_through(session, session.follower(), instance_id, name)
    _run(ctx, "confirm", json_output, body, verbose)


@app.command()
def cancel(
    ctx: typer.Context, instance_id: InstanceId,
    reason: Annotated[str, typer.Option(help="Why; kept with the run.")] = "cancelled from the command line",
    no_wait: NoWaitOpt = False,
    json_output: JsonFlag = False,
) -> None:
    """Cancel a run before setup starts. Exit 0 once it is Cancelled."""
    def body(session: Session) -> Done:
        session.api.cancel(instance_id, reason)
        if no_wait:
            return Done(ExitCode.OK, {"instanceId": instance_id, "phase": None},
                        Text(f"Cancellation sent for {instance_id}."))
        final = session.follow(session.follower(), instance_id, is_final)
        return _final(session, final, ExitCode.OK if phase_of(final) == CANCELLED else None)
    _run(ctx, "cancel", json_output, body)


@app.command("list")
def list_runs(
    ctx: typer.Context,
    phase: Annotated[Optional[Phase], typer.Option(help="Only runs in this phase.")] = None,
    json_output: JsonFlag = False,
) -> None:
    """List link runs, newest first, with the number of runs in each phase."""
    def body(session: Session) -> Done:
        # Every run, once: the counts cover them all, the filter only what is shown.
        items = session.api.list_links().get("items") or []
        view = fleet(items, phase.value if phase else None)
        shown = [item for item in items if not phase or item.get("phase") == phase.value]  # the API's order
        return Done(ExitCode.OK, {"items": shown, "counts": view.counts},
                    reports.links_view(view, datetime.now(timezone.utc)))
    _run(ctx, "list", json_output, body)


@app.command()
def audit(
    ctx: typer.Context, instance_id: InstanceId,
    json_output: JsonFlag = False, verbose: VerboseFlag = False,
) -> None:
    """One run's audit record: who asked, who confirmed with what name and when, the checks at that
    moment, setup and provisioning, the outcome."""
    def body(session: Session) -> Done:
        record = session.api.audit(instance_id)
        return Done(ExitCode.OK, {"audit": record}, reports.audit_view(record, session.verbose))
    _run(ctx, "audit", json_output, body, verbose)


def local_settings_values(path: Path) -> dict[str, str]:
    """`Values` of a local.settings.json, or nothing when there is no such file."""
    if not path.is_file():
        return {}
    try:
        values = json.loads(path.read_text(encoding="utf-8")).get("Values") or {}
    except ValueError as error:
        raise ValueError(f"{path} is not JSON: {error}") from None
    return {str(name): str(value) for name, value in values.items() if value is not None}


@app.command()
def login(
    ctx: typer.Context,
    account: Annotated[Optional[str], typer.Option(help="The UPN you mean to sign in as; "
                                                        "any other account is refused.")] = None,
    settings_file: Annotated[Path, typer.Option(
        help="The app's local settings: their Values fill in what the environment does not set, as for "
             "devhost, so the sign-in goes where the app looks.")] = Path("local.settings.json"),
    json_output: JsonFlag = False,
) -> None:
    """Sign in to Lifecycle Services with a device code; the app then uses the saved token cache."""
    def body(session: Session) -> Done:
        from services.errors import ServiceError  # heavy (msal) imports only for this command
        from services.identity import lcs_sign_in
        from services.settings import ServiceSettings
        try:
            settings = ServiceSettings.from_env({**local_settings_values(settings_file), **os.environ})
        except ValueError as error:
            raise Done(ExitCode.BAD_INPUT, {"error": {"title": "invalid setting", "detail": str(error)}})
        try:
            signed_in = lcs_sign_in(settings, account, lambda prompt: session.err.print(Text(prompt.message)))
        except ServiceError as error:
            raise Done(ExitCode.SERVICE_FAILURE, {"error": {"title": "sign-in failed", "detail": str(error)}})
        document = {"upn": signed_in.upn, "tenantId": signed_in.tenant_id, "objectId": signed_in.object_id}
        return Done(ExitCode.OK, {"account": document}, Text(f"Signed in to LCS as {signed_in.upn}."))
    _run(ctx, "login", json_output, body)


from cli import doctor  # noqa: E402,F401  (registers `doctor`)
