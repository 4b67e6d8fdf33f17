"""Admin endpoints under /_sandbox/: what tests, devhost and a person at the keyboard use to drive
and inspect the sandbox. No token needed, no faults, not in the call log. Documented in README.md.
"""
from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from sandbox.apis.base import json_response, route
from sandbox.clock import ClockWentBackwards, parse_iso, to_iso
from sandbox.model import normalize_guid
from sandbox.scenario import ScenarioError
from sandbox.world import SetupRefused

if TYPE_CHECKING:
    from sandbox.app import Sandbox

ENDPOINTS = (
    ("GET", "/_sandbox/", "this list"),
    ("GET", "/_sandbox/calls", "the call log"),
    ("DELETE", "/_sandbox/calls", "clear the call log"),
    ("GET", "/_sandbox/setup-starts", "accepted setup starts per LCS environment"),
    ("GET", "/_sandbox/setup-attempts", "every setup attempt, accepted or refused"),
    ("GET", "/_sandbox/install-starts", "accepted application package installs per environment and uniqueName"),
    ("GET", "/_sandbox/install-attempts", "every application package install request, accepted or refused"),
    ("GET", "/_sandbox/state", "integration state, package installs and Power Platform links at the clock's moment"),
    ("GET", "/_sandbox/clock", "the sandbox clock"),
    ("PUT", "/_sandbox/clock", "set the clock {now} (manual mode; never backwards)"),
    ("POST", "/_sandbox/clock/advance", "advance the clock {seconds}"),
    ("GET", "/_sandbox/faults", "fault configuration"),
    ("PUT", "/_sandbox/faults", "replace the fault configuration"),
    ("GET", "/_sandbox/scenario", "the loaded scenario (after extends)"),
    ("PUT", "/_sandbox/scenario", "load another scenario {scenario: name | path | object}"),
    ("POST", "/_sandbox/reset", "back to the scenario's initial state"),
    ("POST", "/_sandbox/lcs/portal-setup", "the operator chooses Setup in the LCS portal"),
    ("GET", "/_sandbox/devicecodes", "device codes waiting for sign-in"),
    ("POST", "/_sandbox/devicecodes/approve", "sign in a device code {user_code, upn}"),
    ("GET", "/_sandbox/devicelogin", "HTML page to sign in a device code"),
)


class AdminError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.extra = extra


def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.get_data(as_text=True) or "{}")
    except ValueError as error:
        raise AdminError(400, f"the body is not JSON: {error}") from error
    if not isinstance(body, dict):
        raise AdminError(400, "the body must be a JSON object")
    return body


class AdminApi:
    routes = (
        route("GET", r"/?", "index"),
        route("GET", r"/calls", "calls"),
        route("DELETE", r"/calls", "clear_calls"),
        route("GET", r"/setup-starts", "setup_starts"),
        route("GET", r"/setup-attempts", "setup_attempts"),
        route("GET", r"/install-starts", "install_starts"),
        route("GET", r"/install-attempts", "install_attempts"),
        route("GET", r"/state", "state"),
        route("GET", r"/clock", "clock"),
        route("PUT", r"/clock", "set_clock"),
        route("POST", r"/clock/advance", "advance_clock"),
        route("GET", r"/faults", "faults"),
        route("PUT", r"/faults", "set_faults"),
        route("GET", r"/scenario", "scenario"),
        route("PUT", r"/scenario", "load_scenario"),
        route("POST", r"/reset", "reset"),
        route("POST", r"/lcs/portal-setup", "portal_setup"),
        route("GET", r"/devicecodes", "device_codes"),
        route("POST", r"/devicecodes/approve", "approve_device_code"),
        route("GET", r"/devicelogin", "device_login_page"),
        route("POST", r"/devicelogin", "device_login_form"),
    )

    def handle(self, sandbox: Sandbox, request: Request) -> Response:
        path = request.path[len("/_sandbox"):]
        for candidate in self.routes:
            match = candidate.pattern.match(path)
            if match and candidate.method == request.method:
                try:
                    return getattr(self, candidate.handler)(sandbox, request)
                except AdminError as error:
                    return json_response({"error": str(error), **error.extra}, error.status)
        return json_response({"error": f"no admin endpoint {request.method} {request.path}"}, 404)

    # --- inspection

    def index(self, sandbox: Sandbox, request: Request) -> Response:
        return json_response({"endpoints": [{"method": m, "path": p, "does": d} for m, p, d in ENDPOINTS]})

    def calls(self, sandbox: Sandbox, request: Request) -> Response:
        return json_response(sandbox.calls.entries())

    def clear_calls(self, sandbox: Sandbox, request: Request) -> Response:
        sandbox.calls.clear()
        return Response(status=204)

    def setup_starts(self, sandbox: Sandbox, request: Request) -> Response:
        return json_response(sandbox.world.setup_starts())

    def setup_attempts(self, sandbox: Sandbox, request: Request) -> Response:
        return json_response(sandbox.world.setup_attempts())

    def install_starts(self, sandbox: Sandbox, request: Request) -> Response:
        return json_response(sandbox.world.installs.starts())

    def install_attempts(self, sandbox: Sandbox, request: Request) -> Response:
        return json_response(sandbox.world.installs.attempts())

    def state(self, sandbox: Sandbox, request: Request) -> Response:
        world, now = sandbox.world, sandbox.clock.now()
        environments = {}
        for env_id in world.scenario.power_platform_environments:
            link = world.linked_app(env_id, now)
            environments[env_id] = {
                "managementState": world.management_state(env_id, now),
                "linkedAppMetadata": None if link is None else {"type": link.type, "id": link.id, "url": link.url},
            }
        return json_response({"now": to_iso(now), "integrations": world.runs_snapshot(now),
                              "packageInstalls": world.installs.snapshot(now), "powerPlatformEnvironments": environments})

    def scenario(self, sandbox: Sandbox, request: Request) -> Response:
        scenario = sandbox.world.scenario
        return json_response({"name": scenario.name, "scenario": scenario.document})

    # --- clock

    def clock(self, sandbox: Sandbox, request: Request) -> Response:
        return json_response(sandbox.clock.snapshot())

    def set_clock(self, sandbox: Sandbox, request: Request) -> Response:
        body = _body(request)
        try:
            sandbox.clock.set(parse_iso(str(body.get("now"))))
        except ClockWentBackwards as error:
            raise AdminError(409, str(error), now=to_iso(sandbox.clock.now())) from error
        except ValueError as error:
            raise AdminError(400, f"'now' must be an ISO 8601 time with a zone: {error}") from error
        return json_response(sandbox.clock.snapshot())

    def advance_clock(self, sandbox: Sandbox, request: Request) -> Response:
        seconds = _body(request).get("seconds")
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
            raise AdminError(400, "'seconds' must be a number")
        try:
            sandbox.clock.advance(seconds)
        except ClockWentBackwards as error:
            raise AdminError(409, str(error), now=to_iso(sandbox.clock.now())) from error
        return json_response(sandbox.clock.snapshot())

    # --- faults and scenario

    def faults(self, sandbox: Sandbox, request: Request) -> Response:
        return json_response(sandbox.faults.snapshot())

    def set_faults(self, sandbox: Sandbox, request: Request) -> Response:
        try:
            sandbox.configure_faults(_body(request))
        except ScenarioError as error:
            raise AdminError(400, "invalid faults", errors=error.errors) from error
        return json_response(sandbox.faults.snapshot())

    def load_scenario(self, sandbox: Sandbox, request: Request) -> Response:
        source = _body(request).get("scenario")
        if not isinstance(source, (str, dict)):
            raise AdminError(400, "'scenario' must be a shipped name, a path or a scenario object")
        try:
            loaded = sandbox.load(source)
        except ScenarioError as error:
            raise AdminError(400, f"scenario {error.name!r} is invalid", errors=error.errors) from error
        return json_response({"name": loaded.name, "scenario": loaded.document})

    def reset(self, sandbox: Sandbox, request: Request) -> Response:
        sandbox.reset()
        return json_response({"reset": True, "clock": sandbox.clock.snapshot()})

    # --- the operator's hands

    def portal_setup(self, sandbox: Sandbox, request: Request) -> Response:
        body = _body(request)
        world = sandbox.world
        scenario = world.scenario
        try:
            project_id = int(body.get("projectId"))
        except (TypeError, ValueError) as error:
            raise AdminError(400, "'projectId' must be an LCS project id") from error
        project = scenario.lcs_projects.get(project_id)
        env = project.environments.get(normalize_guid(str(body.get("environmentId", "")))) if project else None
        if env is None:
            raise AdminError(404, f"no environment {body.get('environmentId')!r} in LCS project {body.get('projectId')!r}")
        upn = body.get("upn") or scenario.sign_in.upn
        user = scenario.user(upn or "")
        if user is None or not world.has_project_access(project_id, user.upn, user.object_id, user.tenant_id):
            raise AdminError(403, f"{upn!r} is not a Project Owner or Environment Manager of project {project_id}")
        try:
            run = world.start_setup(env, str(body.get("powerPlatformEnvironmentId", "")),
                                    confirmed_by=str(body.get("confirmedBy", "")), operator_upn=user.upn, via="portal")
        except SetupRefused as refusal:
            raise AdminError(409, str(refusal), accepted=False) from refusal
        return json_response({"accepted": True, "setupActivityId": run.activity_id,
                              "integration": world.integration(env, run.started_at)})

    def device_codes(self, sandbox: Sandbox, request: Request) -> Response:
        return json_response(sandbox.world.pending_device_codes())

    def approve_device_code(self, sandbox: Sandbox, request: Request) -> Response:
        body = _body(request)
        self._approve(sandbox, str(body.get("user_code", "")), str(body.get("upn", "")))
        return json_response({"approved": True, "user_code": body.get("user_code"), "upn": body.get("upn")})

    def _approve(self, sandbox: Sandbox, user_code: str, upn: str) -> None:
        if sandbox.world.scenario.user(upn) is None:
            raise AdminError(400, f"{upn!r} is not a user of the scenario")
        if sandbox.world.approve_device_code(user_code, upn) is None:
            raise AdminError(404, f"no device code {user_code!r} is waiting")

    def device_login_page(self, sandbox: Sandbox, request: Request, message: str = "") -> Response:
        users = "".join(f'<option value="{html.escape(u.upn)}">{html.escape(u.display_name)} ({html.escape(u.upn)})</option>'
                        for u in sandbox.world.scenario.users.values())
        page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sandbox sign-in</title></head>
<body><h1>Sandbox device sign-in</h1><p>{html.escape(message)}</p>
<form method="post"><label>Code <input name="user_code" autofocus></label>
<label>Sign in as <select name="upn">{users}</select></label><button>Sign in</button></form></body></html>"""
        return Response(page, content_type="text/html; charset=utf-8")

    def device_login_form(self, sandbox: Sandbox, request: Request) -> Response:
        user_code, upn = request.form.get("user_code", ""), request.form.get("upn", "")
        try:
            self._approve(sandbox, user_code, upn)
        except AdminError as error:
            return self.device_login_page(sandbox, request, f"Not signed in: {error}")
        return self.device_login_page(sandbox, request, f"Signed in {upn}. You can close this page.")
