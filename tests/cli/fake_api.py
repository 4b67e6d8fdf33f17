"""A small stand-in for the app's HTTP API (werkzeug, 127.0.0.1, free port) that plays one run at a
time through its phases, one step per status read, so the CLI's following logic is exercised.

It keeps to the app's contract (openapi.json, docs/contracts.md): routes, codes, problem documents, status document shape,
Easy Auth identity rules. The real app is exercised in test_cli_devhost.py.
"""
from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from domain.setup_modes import setup_mode

CHECKS = [
    {"id": "dataverse-capacity", "title": "Dataverse capacity", "outcome": "passed",
     "detail": "12 GB free", "remediation": "Buy database capacity.", "evidence": {"freeGb": 12}},
    {"id": "same-geography", "title": "Same geography", "outcome": "passed",
     "detail": "Both in Europe", "remediation": "Pick an environment in the same geography.", "evidence": {}},
]
FAILED_CHECK = {"id": "operator-license", "title": "Operator license", "outcome": "failed",
                "detail": "No finance and operations license", "remediation": "Assign a Finance license.",
                "evidence": {"skus": []}}
PROVISIONING_STEPS = ("StartingSetup", "Provisioning", "Provisioning", "Verifying")


@dataclass
class Run:
    instance_id: str
    kind: str
    request: dict[str, Any]
    phase: str = "Validating"
    checks: list[dict[str, Any]] = field(default_factory=list)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    pending_name: tuple[str, str] | None = None
    step: int = 0
    polls: int = 0
    confirmed_by: str | None = None
    timeline: list[dict[str, str]] = field(default_factory=list)
    outcome: dict[str, Any] | None = None


class FakeApi:
    """`ending` says how a link run ends once provisioning is over (Linked, ProvisioningFailed, ...);
    `checks` is what validation finds; `stall` keeps a run in its phase for ever."""

    def __init__(self) -> None:
        self.display_name = "Adele Vance"
        self.checks = [dict(c) for c in CHECKS]
        self.ending = "Linked"
        self.expire_confirmation = False
        self.stall = False
        self.runs: dict[str, Run] = {}
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._clock = 0
        self._routes = Map([
            Rule("/api/links", methods=["POST"], endpoint="start"),
            Rule("/api/links", methods=["GET"], endpoint="list"),
            Rule("/api/preflight", methods=["POST"], endpoint="preflight"),
            Rule("/api/links/<instance_id>", methods=["GET"], endpoint="status"),
            Rule("/api/links/<instance_id>/audit", methods=["GET"], endpoint="audit"),
            Rule("/api/links/<instance_id>/confirm", methods=["POST"], endpoint="confirm"),
            Rule("/api/links/<instance_id>/cancel", methods=["POST"], endpoint="cancel"),
        ])

    # --- serving -----------------------------------------------------------------------------

    def __enter__(self) -> "FakeApi":
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        self.requests.append({"method": request.method, "path": request.path,
                              "query": dict(request.args), "headers": dict(request.headers)})
        adapter = self._routes.bind_to_environ(environ)
        try:
            endpoint, args = adapter.match()
        except Exception:
            response = _problem(404, "Not Found", "no such route")
        else:
            with self._lock:
                response = getattr(self, f"_{endpoint}")(request, **args)
        return response(environ, start_response)

    # --- routes --------------------------------------------------------------------------------

    def _start(self, request: Request) -> Response:
        body, problem = _request_body(request)
        if problem:
            return problem
        instance_id = setup_mode(body.get("setupMode", "operator")).instance_id(_Named(body))
        existing = self.runs.get(instance_id)
        if existing and existing.phase not in ("ValidationFailed", "Cancelled", "ConfirmationExpired"):
            return _problem(409, "Conflict", f"already has a link run in phase {existing.phase}",
                            instanceId=instance_id, phase=existing.phase, links=self._links(instance_id))
        self._create(instance_id, "link", body)
        return _json({"instanceId": instance_id, "links": self._links(instance_id)}, 202)

    def _preflight(self, request: Request) -> Response:
        body, problem = _request_body(request)
        if problem:
            return problem
        instance_id = f"preflight-{len(self.runs):08d}-0000-4000-8000-000000000000"
        self._create(instance_id, "preflight", body)
        return _json({"instanceId": instance_id, "links": self._links(instance_id)}, 202)

    def _list(self, request: Request) -> Response:
        phase = request.args.get("phase")
        items = [{"instanceId": run.instance_id, "phase": run.phase,
                  "lcsEnvironmentId": run.request.get("lcsEnvironmentId"),
                  "powerPlatformEnvironmentId": run.request["powerPlatformEnvironmentId"],
                  "operator": run.request["operator"], "createdTime": "2025-03-01T10:00:00Z",
                  "lastUpdatedTime": "2025-03-01T10:00:00Z", "links": self._links(run.instance_id)}
                 for run in self.runs.values() if run.kind == "link" and phase in (None, run.phase)]
        return _json({"items": items})

    def _status(self, request: Request, instance_id: str) -> Response:
        run = self.runs.get(instance_id)
        if run is None:
            return _problem(404, "Not Found", f"There is no link or preflight {instance_id}.")
        if not self.stall:
            self._advance(run)
        return _json(self._document(run))

    def _audit(self, request: Request, instance_id: str) -> Response:
        from webui.audit import audit_record  # the record is the app's own, built from this fake's document
        run = self.runs.get(instance_id)
        if run is None:
            return _problem(404, "Not Found", f"There is no link or preflight {instance_id}.")
        return _json(audit_record(self._document(run)))

    def _confirm(self, request: Request, instance_id: str) -> Response:
        run, refusal = self._authorized(request, instance_id)
        if refusal:
            return refusal
        typed = (request.get_json(silent=True) or {}).get("typedName")
        if not isinstance(typed, str) or not typed.strip():
            return _problem(400, "Bad Request", "typedName is required",
                            errors=[{"field": "typedName", "message": "is required"}])
        if run.phase != "AwaitingConfirmation":
            return _problem(409, "Conflict", f"The link is {run.phase}, not awaiting confirmation.")
        run.pending_name = (typed, request.headers["X-MS-CLIENT-PRINCIPAL-NAME"])
        return _json({"instanceId": instance_id, "typedName": typed}, 202)

    def _cancel(self, request: Request, instance_id: str) -> Response:
        run, refusal = self._authorized(request, instance_id)
        if refusal:
            return refusal
        if run.phase not in ("Validating", "AwaitingConfirmation"):
            return _problem(409, "Conflict", f"The link is {run.phase}: setup has started.")
        self._enter(run, "Cancelled", {"result": "Cancelled", "message": "Cancelled by request."})
        return _json({"instanceId": instance_id}, 202)

    # --- the run -------------------------------------------------------------------------------

    def _create(self, instance_id: str, kind: str, body: dict[str, Any]) -> None:
        run = Run(instance_id, kind, body)
        self._enter(run, "Validating")
        self.runs[instance_id] = run

    def _enter(self, run: Run, phase: str, outcome: dict[str, Any] | None = None) -> None:
        self._clock += 1
        run.phase = phase
        run.timeline.append({"phase": phase, "at": f"2025-03-01T10:{self._clock:02d}:00Z"})
        run.outcome = outcome

    def _advance(self, run: Run) -> None:
        """One step per status read, like a run seen through polling."""
        if run.phase == "Validating":
            if len(run.checks) < len(self.checks):
                run.checks.append(self.checks[len(run.checks)])
            elif any(c["outcome"] in ("failed", "error") for c in run.checks):
                self._enter(run, "ValidationFailed", {"result": "ValidationFailed", "message": "Checks failed."})
            else:
                self._enter(run, "Validated" if run.kind == "preflight" else "AwaitingConfirmation")
        elif run.phase == "AwaitingConfirmation":
            if self.expire_confirmation:
                self._enter(run, "ConfirmationExpired", {"result": "ConfirmationExpired", "message": "Nobody confirmed."})
            elif run.pending_name:
                self._decide(run)
        elif run.phase in PROVISIONING_STEPS:
            run.step += 1
            if run.phase == "Provisioning":
                run.polls += 1
            if run.step < len(PROVISIONING_STEPS):
                if PROVISIONING_STEPS[run.step] != run.phase:
                    self._enter(run, PROVISIONING_STEPS[run.step])
            else:
                self._enter(run, self.ending, {
                    "result": self.ending, "message": f"Run ended {self.ending}.",
                    "disconnectedEnvironment": {"id": "init-1", "displayName": "Contoso initial"},
                    "recommendation": "Delete the initial environment when you no longer need it."})

    def _decide(self, run: Run) -> None:
        typed, by = run.pending_name
        run.pending_name = None
        accepted = typed.strip().casefold() == self.display_name.casefold()
        run.attempts.append({"at": "2025-03-01T10:30:00Z", "typedName": typed, "by": by, "accepted": accepted,
                             "reason": None if accepted else "the typed name does not match the operator's name"})
        if accepted:
            run.confirmed_by = by
            self._enter(run, "StartingSetup")

    def _document(self, run: Run) -> dict[str, Any]:
        return {
            "instanceId": run.instance_id, "kind": run.kind, "phase": run.phase,
            "runtimeStatus": "Completed" if run.outcome or run.phase == "Validated" else "Running",
            "request": run.request, "checks": list(run.checks),
            "validatedAt": run.timeline[1]["at"] if len(run.timeline) > 1 else None,
            "irreversibilityNotice": "Linking can't be undone.",
            "operatorDisplayName": self.display_name,
            "environments": {
                "target": {"id": run.request["powerPlatformEnvironmentId"], "displayName": "Contoso Finance UAT",
                           "dataverseUrl": "https://contoso-uat.crm.dynamics.com/",
                           "adminUrl": "https://admin.powerplatform.microsoft.com/environments/"
                                       f"{run.request['powerPlatformEnvironmentId']}/hub"},
                "financeAndOperations": {"id": run.request.get("lcsEnvironmentId"), "name": "CONTOSO-UAT",
                                         "projectId": run.request.get("lcsProjectId"), "lcsUrl": None},
                "initial": None} if run.checks else None,
            "initialEnvironment": {"id": "init-1", "displayName": "Contoso initial"},
            "confirmation": None if run.kind == "preflight" else {
                "expiresAt": "2025-03-04T10:00:00Z", "attempts": run.attempts, "confirmedBy": run.confirmed_by,
                "confirmedAt": None, "typedName": None},
            "operatorInstructions": None,
            "provisioning": {"startedAt": "2025-03-01T10:31:00Z", "polls": run.polls, "lastState": "SetupInProgress",
                             "lastPhase": None, "nextCheckAt": "2025-03-01T10:46:00Z", "setupActivityId": "act-1"}
            if run.step else None,
            "outcome": run.outcome, "timeline": run.timeline, "links": self._links(run.instance_id),
            "createdTime": "2025-03-01T10:00:00Z", "lastUpdatedTime": "2025-03-01T10:00:00Z",
        }

    def _authorized(self, request: Request, instance_id: str) -> tuple[Run | None, Response | None]:
        run = self.runs.get(instance_id)
        if run is None or run.kind != "link":
            return None, _problem(404, "Not Found", f"There is no link {instance_id}.")
        name = request.headers.get("X-MS-CLIENT-PRINCIPAL-NAME")
        encoded = request.headers.get("X-MS-CLIENT-PRINCIPAL")
        if not name or not encoded:
            return None, _problem(401, "Unauthorized", "Sign in.")
        claims = json.loads(base64.b64decode(encoded))
        claimed = [c["val"] for c in claims["claims"] if c["typ"] == "preferred_username"]
        if claimed != [name] or name.lower() != run.request["operator"].lower():
            return None, _problem(403, "Forbidden", f"{name} is neither the operator nor a listed confirmer.")
        return run, None

    def _links(self, instance_id: str) -> dict[str, str]:
        own = f"{self.url}/api/links/{instance_id}"
        return {"self": own, "review": f"{own}/review", "confirm": f"{own}/confirm", "cancel": f"{own}/cancel"}


class _Named:
    """A request body read by attribute, as SetupMode.instance_id reads a LinkRequest."""

    def __init__(self, body: dict[str, Any]):
        self.__dict__.update(body)


def _request_body(request: Request) -> tuple[dict[str, Any], Response | None]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return {}, _problem(400, "Bad Request", "The body is not a JSON object.",
                            errors=[{"field": "(body)", "message": "must be a JSON object"}])
    errors = [{"field": name, "message": "is required"}
              for name in setup_mode(body.get("setupMode", "operator")).required_fields if name not in body]
    if "@" not in str(body.get("operator", "@")):
        errors.append({"field": "operator", "message": "must be the operator's user principal name"})
    if errors:
        return body, _problem(400, "Bad Request", "The request is not valid.", errors=errors)
    return body, None


def _json(document: Any, status: int = 200) -> Response:
    return Response(json.dumps(document), status=status, mimetype="application/json")


def _problem(status: int, title: str, detail: str, **extensions: Any) -> Response:
    document = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extensions}
    return Response(json.dumps(document), status=status, mimetype="application/problem+json")
