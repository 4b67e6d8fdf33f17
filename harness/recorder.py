"""A call recorder in front of the sandbox: every request the product sends, with wall-clock times,
which the sandbox's own call log does not keep (its `at` is the sandbox clock, which stands still in
virtual time while activities run): what Retry-After was given, whether a bearer token came along,
which scope a token was asked for; and it can run a hook before or after a call (the kill tests
crash devhost from there).
"""

from __future__ import annotations

import io
import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import parse_qs

from sandbox.clock import to_iso
from sandbox.server import SandboxServer

SERVICE_PREFIXES = ("lcs", "bap", "powerplatform", "graph", "dataverse")
TOKEN_FIELDS = ("access_token", "refresh_token", "id_token")


def service_of(path: str) -> str:
    first = path.lstrip("/").split("/", 1)[0]
    if first == "_sandbox":
        return "admin"
    return first if first in SERVICE_PREFIXES else "entra"


@dataclass
class Call:
    """One request the sandbox answered, as the client side would see it on the wire."""

    seq: int
    service: str
    method: str
    path: str
    query: str
    started: float  # time.monotonic() when the request arrived
    sandbox_at: str  # the sandbox clock then
    authorized: bool  # an Authorization header came along
    scope: str | None = None  # Entra token requests: the scope asked for
    status: int | None = None
    retry_after: float | None = None
    finished: float | None = None

    @property
    def key(self) -> tuple[str, ...]:
        """What identifies one logical request across its retries."""
        return self.service, self.method, self.path, self.query, self.scope or ""


Hook = Callable[[Call], None]


class CallRecorder:
    """WSGI middleware in front of the sandbox application. Keeps no token in `calls`; tokens the
    sandbox issued or received are kept apart in `tokens`, only so tests can scan for them."""

    def __init__(self, app: Any, clock: Any, base_url: str) -> None:
        self._app = app
        self._clock = clock
        self.base_url = base_url
        self._lock = threading.Lock()
        self.calls: list[Call] = []
        self.tokens: set[str] = set()
        self.before: Hook | None = None  # runs when a request arrives, before the sandbox acts on it
        self.after: Hook | None = None  # runs once the answer has been written to the client

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        service = service_of(path)
        if service == "admin":
            return self._app(environ, start_response)
        body = self._buffer_body(environ)
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        if authorization.lower().startswith("bearer "):
            with self._lock:
                self.tokens.add(authorization[7:].strip())
        scope = None
        if service == "entra" and body:
            scope = (parse_qs(body.decode("latin-1")).get("scope") or [None])[0]
            # Dataverse scopes name the sandbox's port, which changes from run to run.
            scope = scope and scope.replace(self.base_url, "{sandbox}")
        with self._lock:
            call = Call(len(self.calls) + 1, service, environ.get("REQUEST_METHOD", ""), path,
                        environ.get("QUERY_STRING", ""), time.monotonic(), to_iso(self._clock.now()),
                        bool(authorization), scope)
            self.calls.append(call)
        if self.before:
            self.before(call)
        captured: dict[str, Any] = {}

        def recording_start_response(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            captured["status"], captured["headers"] = int(status.split()[0]), headers
            return start_response(status, headers, *rest)

        chunks = list(self._app(environ, recording_start_response))
        call.status = captured.get("status")
        retry_after = next((v for k, v in captured.get("headers", []) if k.lower() == "retry-after"), None)
        call.retry_after = float(retry_after) if retry_after else None
        if service == "entra":
            self._remember_tokens(b"".join(chunks))
        call.finished = time.monotonic()
        return _AfterSent(chunks, lambda: self.after and self.after(call))

    @staticmethod
    def _buffer_body(environ: dict[str, Any]) -> bytes:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        return body

    def _remember_tokens(self, body: bytes) -> None:
        try:
            document = json.loads(body)
        except ValueError:
            return
        if isinstance(document, dict):
            with self._lock:
                self.tokens.update(str(document[f]) for f in TOKEN_FIELDS if document.get(f))

    def snapshot(self) -> list[Call]:
        with self._lock:
            return list(self.calls)

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()


class _AfterSent(list):
    """The answer's chunks; the WSGI server calls close() once it has written them."""

    def __init__(self, chunks: list[bytes], sent: Callable[[], Any]) -> None:
        super().__init__(chunks)
        self._sent = sent

    def close(self) -> None:
        self._sent()


def record_calls(server: SandboxServer) -> CallRecorder:
    """Put a recorder in front of a running sandbox."""
    return server.add_middleware(lambda app: CallRecorder(app, server.clock, server.base_url))
