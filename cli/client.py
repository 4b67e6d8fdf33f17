"""The app's HTTP API, as the command-line tool uses it (openapi.json; docs/contracts.md, "HTTP API")."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import quote

import requests

CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 60


class ApiError(Exception):
    """The API answered with an error (`status` set, `problem` its RFC 9457 document) or could
    not be reached (`status` None)."""

    def __init__(self, status: int | None, problem: Mapping[str, Any]):
        self.status = status
        self.problem = dict(problem)
        super().__init__(self.summary)

    @property
    def summary(self) -> str:
        title = self.problem.get("title") or "request failed"
        detail = self.problem.get("detail")
        prefix = f"HTTP {self.status}: " if self.status else ""
        return f"{prefix}{title}" + (f": {detail}" if detail and detail != title else "")


def easy_auth_headers(principal: str) -> dict[str, str]:
    """The headers App Service Authentication (Easy Auth) sets for a signed-in user. In Azure the
    platform sets them itself (and drops any a client sends); only a local devhost needs them."""
    claims = {"auth_typ": "aad", "claims": [{"typ": "preferred_username", "val": principal}],
              "name_typ": "preferred_username", "role_typ": "roles"}
    encoded = base64.b64encode(json.dumps(claims).encode("utf-8")).decode("ascii")
    return {"X-MS-CLIENT-PRINCIPAL": encoded, "X-MS-CLIENT-PRINCIPAL-NAME": principal}


@dataclass
class LinkApi:
    base_url: str
    function_key: str | None = None
    principal: str | None = None

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._session = requests.Session()
        self._session.headers["Accept"] = "application/json, application/problem+json"
        if self.function_key:
            self._session.headers["x-functions-key"] = self.function_key
        if self.principal:
            self._session.headers.update(easy_auth_headers(self.principal))

    def __repr__(self) -> str:  # never show the function key
        return f"LinkApi({self.base_url!r}, principal={self.principal!r})"

    def start_link(self, request: Mapping[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/api/links", body=request)[1]

    def preflight(self, request: Mapping[str, Any], wait_seconds: float = 0) -> tuple[int, dict[str, Any]]:
        """(200, the report) when it finished within `wait_seconds`, else (202, {instanceId, links})."""
        return self._call("POST", "/api/preflight", body=request, params={"wait": wait_seconds})

    def list_links(self, phase: str | None = None) -> dict[str, Any]:
        return self._call("GET", "/api/links", params={"phase": phase} if phase else None)[1]

    def status(self, instance_id: str) -> dict[str, Any]:
        return self._call("GET", f"/api/links/{quote(instance_id, safe='')}")[1]

    def audit(self, instance_id: str) -> dict[str, Any]:
        return self._call("GET", f"/api/links/{quote(instance_id, safe='')}/audit")[1]

    def confirm(self, instance_id: str, typed_name: str) -> dict[str, Any]:
        return self._call("POST", f"/api/links/{quote(instance_id, safe='')}/confirm",
                          body={"typedName": typed_name})[1]

    def cancel(self, instance_id: str, reason: str) -> dict[str, Any]:
        return self._call("POST", f"/api/links/{quote(instance_id, safe='')}/cancel",
                          body={"reason": reason})[1]

    def permissions(self, environment_id: str | None = None, lcs_account: str | None = None) -> dict[str, Any]:
        """The deep health check: each permission of the app, granted / missing / not checkable."""
        params = {"powerPlatformEnvironmentId": environment_id, "lcsAccount": lcs_account}
        return self._call("GET", "/api/health/permissions",
                          params={k: v for k, v in params.items() if v})[1]

    def review_url(self, instance_id: str) -> str:
        return f"{self.base_url}/api/links/{quote(instance_id, safe='')}/review"

    def _call(self, method: str, path: str, *, body: Any = None,
              params: Mapping[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        try:
            response = self._session.request(method, self.base_url + path, json=body, params=params,
                                             timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS))
        except requests.RequestException as error:
            # The exception text names the URL only; headers (the function key) never appear in it.
            raise ApiError(None, {"title": "the API could not be reached",
                                  "detail": f"{self.base_url}: {type(error).__name__}"}) from None
        try:
            document = response.json() if response.content else {}
        except ValueError:
            document = None
        if response.status_code >= 400:
            raise ApiError(response.status_code, document if isinstance(document, dict) else {
                "title": response.reason or "error"})
        if not isinstance(document, dict):
            raise ApiError(None, {"title": "the API answered something other than a JSON object",
                                  "detail": f"HTTP {response.status_code}, "
                                            f"{response.headers.get('content-type') or 'no content type'}"})
        return response.status_code, document
