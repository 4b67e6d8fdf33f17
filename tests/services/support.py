"""A tiny scripted HTTPS server for unit tests of the HTTP policy (the sandbox covers the services)."""

from __future__ import annotations

import json
import ssl
import threading
from dataclasses import dataclass, field
from typing import Any

import trustme
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    """Answers each path from a script: replies are used in order, the last one repeats."""

    def __init__(self, tmp_path):
        self.ca = trustme.CA()
        self.ca_path = str(tmp_path / "ca.pem")
        self.ca.cert_pem.write_to_path(self.ca_path)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1").configure_cert(context)
        self.script: dict[str, list[Reply]] = {}
        self.seen: list[Seen] = []
        self._release = threading.Event()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True, ssl_context=context)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.base_url = f"https://127.0.0.1:{self._server.server_port}"

    def reset(self) -> None:
        self.script.clear()
        self.seen.clear()

    def on(self, path: str, *replies: Reply) -> None:
        self.script[path] = list(replies)

    def calls(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    @Request.application
    def _app(self, request: Request) -> Response:
        self.seen.append(Seen(request.method, request.path, request.query_string.decode(),
                              dict(request.headers), request.get_data()))
        replies = self.script.get(request.path) or [Reply(404, {"error": {"code": "NoScript",
                                                                          "message": request.path}})]
        reply = replies.pop(0) if len(replies) > 1 else replies[0]
        if reply.delay:
            self._release.wait(reply.delay)
        body = reply.body if isinstance(reply.body, (str, bytes)) else json.dumps(reply.body)
        return Response(body, status=reply.status, headers=reply.headers,
                        content_type="application/json")


class RecordingSleep:
    """Stands in for time.sleep: remembers the waits requested and advances a fake clock by them."""

    def __init__(self, start: float = 1_700_000_000.0):
        self.now = start
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now
