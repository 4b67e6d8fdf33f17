"""What every sandboxed Microsoft service shares: routing, bearer checks and its own error shapes."""
from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from sandbox.faults import format_retry_after
from sandbox.tokens import InvalidToken

if TYPE_CHECKING:
    from sandbox.app import Sandbox
    from sandbox.model import Scenario
    from sandbox.world import World


@dataclass
class Call:
    """One request as a service sees it."""

    request: Request
    sandbox: Sandbox
    now: datetime
    path: str  # below the service's prefix
    params: dict[str, str] = field(default_factory=dict)
    claims: dict[str, Any] | None = None
    note: str | None = None  # e.g. "rateLimited", shown as the call log's fault

    @property
    def scenario(self) -> Scenario:
        return self.sandbox.world.scenario

    @property
    def world(self) -> World:
        return self.sandbox.world

    @property
    def caller(self) -> str | None:
        if not self.claims:
            return None
        return self.claims.get("upn") or self.claims.get("appid")

    def query(self, name: str, default: str | None = None) -> str | None:
        """A query parameter, matched case-insensitively (OData and ARM do not care about case)."""
        for key, value in self.request.args.items(multi=True):
            if key.lower() == name.lower():
                return value
        return default

    def json_body(self) -> Any:
        return json.loads(self.request.get_data(as_text=True) or "null")


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: str  # name of the service method


def route(method: str, pattern: str, handler: str, flags: int = 0) -> Route:
    return Route(method, re.compile(f"^{pattern}$", flags), handler)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None,
                  content_type: str = "application/json; charset=utf-8") -> Response:
    response = Response(json.dumps(body), status=status, content_type=content_type)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class Service:
    """A sandboxed service under a path prefix. Subclasses set `name`, `prefix`, `routes`."""

    name = ""
    prefix = ""
    routes: tuple[Route, ...] = ()
    content_type = "application/json; charset=utf-8"

    # --- answers in the service's own shapes (subclasses override what differs)

    def error(self, call: Call, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
        return self.json(call, {"error": {"code": code, "message": message}}, status, headers)

    def json(self, call: Call, body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return json_response(body, status, headers, self.content_type)

    def unauthorized(self, call: Call, message: str) -> Response:
        return self.error(call, 401, "InvalidAuthenticationToken", message, {"WWW-Authenticate": "Bearer"})

    def not_found(self, call: Call) -> Response:
        return self.error(call, 404, "NotFound", f"No route for '{call.request.method} {call.request.path}'.")

    def throttled(self, call: Call, retry_after: float) -> Response:
        return self.error(call, 429, "TooManyRequests", "Rate limit is exceeded. Try again later.",
                          {"Retry-After": format_retry_after(retry_after)})

    def failure(self, call: Call, status: int) -> Response:
        return self.error(call, status, "ServiceUnavailable" if status == 503 else "InternalServerError",
                          "The service is temporarily unable to process the request.")

    # --- authentication

    def audience(self, call: Call) -> str:
        raise NotImplementedError

    def authenticate(self, call: Call) -> Response | None:
        """Verify the bearer token: signature, expiry, audience, tenant. None when it passes."""
        header = call.request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return self.unauthorized(call, "Access token is empty.")
        try:
            claims = call.sandbox.tokens.verify_access(token.strip())
        except InvalidToken as error:
            return self.unauthorized(call, f"Access token validation failure: {error}.")
        if claims.get("aud", "").rstrip("/") != self.audience(call):
            return self.unauthorized(call, "Access token validation failure. Invalid audience.")
        if claims.get("tid") != self.expected_tenant(call, claims):
            return self.unauthorized(call, "Access token validation failure. The token was issued for another tenant.")
        call.claims = claims
        return None

    def expected_tenant(self, call: Call, claims: dict[str, Any]) -> str:
        return call.scenario.tenant.id

    # --- dispatch

    def precheck(self, call: Call) -> Response | None:
        """What the service checks after the token and before routing (headers, api-version)."""
        return None

    def authorize(self, call: Call, handler: str) -> Response | None:
        """What the service checks once the route is known: the caller's permission for it."""
        return None

    def operation(self, path: str, method: str) -> tuple[str, dict[str, str]] | None:
        """The route a request below the prefix would take, as (route name, path parameters), without
        acting on it: what keyed faults aim at. None when no route takes it."""
        for candidate in self.routes:
            match = candidate.pattern.match(path)
            if match is not None and candidate.method == method:
                return candidate.handler, match.groupdict()
        return None

    def handle(self, call: Call) -> Response:
        refusal = self.authenticate(call) or self.precheck(call)
        if refusal is not None:
            return refusal
        allowed = False
        for candidate in self.routes:
            match = candidate.pattern.match(call.path)
            if match is None:
                continue
            if candidate.method != call.request.method:
                allowed = True
                continue
            call.params.update(match.groupdict())
            return self.authorize(call, candidate.handler) or getattr(self, candidate.handler)(call)
        if allowed:
            return self.error(call, 405, "MethodNotAllowed", f"The method '{call.request.method}' is not allowed.")
        return self.not_found(call)


def request_id() -> str:
    return str(uuid.uuid4())
