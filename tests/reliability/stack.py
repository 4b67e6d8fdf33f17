"""A private stack for reliability tests and benchmarks: the sandbox (in this process, behind a call
recorder), an Azurite of its own and a devhost process, so that killing, flooding or re-configuring
the host never disturbs the session's shared fixtures (tests/conftest.py).

The recorder sees every request the product sends to the sandbox with wall-clock times, which the
sandbox's own call log does not keep (its `at` is the sandbox clock, which stands still in virtual
time while activities run): what Retry-After was given, whether a bearer token came along, which
scope a token was asked for, and it can run a hook before or after a call (the kill tests crash
devhost from there).
"""

from __future__ import annotations

import http.client
import io
import json
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import parse_qs

from azure.storage.queue import QueueClient, TextBase64DecodePolicy, TextBase64EncodePolicy

from devhost.processes import Azurite, find_azurite_queue, free_port
from devhost.testing import REPO_ROOT, DevhostProcess
from sandbox.clock import to_iso
from sandbox.server import SandboxServer
from services.identity import lcs_sign_in
from services.settings import ServiceSettings
from tests.e2e.support import APPROVER, OPERATOR, OPERATOR_NAME, QUEUE_API_VERSION, easy_auth
from tests.reliability.keyed_faults import set_current_request
from tests.reliability.scenarios import LinkTarget

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


@dataclass(frozen=True)
class Canned:
    """An answer given instead of the sandbox's (for faults the sandbox can't aim at one request)."""

    status: int
    headers: dict[str, str]
    body: bytes

    @classmethod
    def json(cls, status: int, document: Any, **headers: str) -> "Canned":
        return cls(status, {"Content-Type": "application/json", **headers}, json.dumps(document).encode())


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
        self.intercept: Callable[[Call], Canned | None] | None = None  # answers instead of the sandbox

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

        canned = self.intercept(call) if self.intercept else None
        if canned:
            recording_start_response(f"{canned.status} Canned", list(canned.headers.items()))
            chunks = [canned.body]
        else:
            set_current_request(call.key)
            try:
                chunks = list(self._app(environ, recording_start_response))
            finally:
                set_current_request(None)
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
    """Put a recorder in front of a running sandbox. SandboxServer has no public hook for this, so
    the WSGI server's app is replaced (werkzeug reads it per request)."""
    recorder = CallRecorder(server.sandbox, server.clock, server.base_url)
    server._http.app = recorder  # noqa: SLF001
    return recorder


@dataclass
class Stack:
    """Sandbox + recorder + Azurite + devhost, all private to the caller."""

    sandbox: SandboxServer
    recorder: CallRecorder
    azurite: Azurite
    env: dict[str, str]
    host: DevhostProcess
    _queues: dict[str, QueueClient] = field(default_factory=dict)

    @property
    def storage(self) -> str:
        return self.azurite.connection_string

    def queue(self, name: str, encoded: bool = True) -> QueueClient:
        key = f"{name}:{encoded}"
        if key not in self._queues:
            policies = dict(message_encode_policy=TextBase64EncodePolicy(),
                            message_decode_policy=TextBase64DecodePolicy()) if encoded else {}
            client = QueueClient.from_connection_string(self.storage, name, api_version=QUEUE_API_VERSION, **policies)
            try:
                client.create_queue()
            except Exception:  # already there
                pass
            self._queues[key] = client
        return self._queues[key]

    def drain(self, name: str) -> list[str]:
        """Takes every message off a queue; returns their texts."""
        queue, contents = self.queue(name), []
        while True:
            batch = list(queue.receive_messages(messages_per_page=32, max_messages=32, visibility_timeout=30))
            if not batch:
                return contents
            for message in batch:
                contents.append(message.content)
                queue.delete_message(message)

    def stop(self) -> None:
        self.host.stop()
        self.azurite.stop()
        self.sandbox.stop()


def start_stack(state: Path, scenario: str | dict[str, Any] = "happy-path", *,
                devhost_args: tuple[str, ...] = ("--virtual-time",), sandbox_limit: int | None = 0,
                extra_env: dict[str, str] | None = None) -> Stack:
    """Start everything under `state`. `sandbox_limit` sets the sandbox's LCS metadata limit (0 = off: the sandbox counts it on its own clock, which
    stands still in virtual time; None = the scenario's)."""
    state.mkdir(parents=True, exist_ok=True)
    sandbox = SandboxServer.start(scenario)
    try:
        recorder = record_calls(sandbox)
        if sandbox_limit is not None:
            sandbox.set_faults({**sandbox.scenario.faults, "lcs": {**sandbox.scenario.faults.get("lcs", {}),
                                                                   "metadataCallsPerMinute": sandbox_limit}})
        binary = find_azurite_queue(REPO_ROOT)
        if binary is None:
            raise RuntimeError("Azurite is not installed: run `npm ci`")
        azurite = Azurite(state / "azurite", free_port(), binary).start()
    except BaseException:
        sandbox.stop()
        raise
    env = {
        **sandbox.settings(),
        "AzureWebJobsStorage": azurite.connection_string,
        "DURABLE_TASK_HUB": "Reliability",
        "LCS_TOKEN_CACHE": str(state / "lcs-token-cache.json"),
        "LINK_CONFIRMERS": APPROVER,
        "LINK_DEFAULT_SETUP_MODE": "lcs-api",
        **(extra_env or {}),
    }
    try:
        lcs_sign_in(ServiceSettings.from_env(env), OPERATOR, on_prompt=lambda prompt: None)
        host = DevhostProcess(REPO_ROOT, state / "devhost", env=env, args=[
            *devhost_args, "--sandbox-url", sandbox.base_url, "--sandbox-ca", sandbox.ca_cert_path, "--no-azurite"])
        host.start()
    except BaseException:
        azurite.stop()
        sandbox.stop()
        raise
    recorder.clear()
    return Stack(sandbox, recorder, azurite, env, host)


def wait_for(predicate: Callable[[], Any], timeout: float = 60.0, interval: float = 0.02, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout:.0f}s")
        time.sleep(interval)


def history_rows(db_path: Path) -> Iterator[str]:
    """Every stored text of the task hub (instances, history, messages, work items), for scanning."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        for table in ("instances", "history", "messages", "activities"):
            for row in db.execute(f"SELECT * FROM {table}"):  # noqa: S608 (fixed names)
                yield " ".join(str(v) for v in row)


FINAL_RUNTIME = ("Completed", "Failed", "Terminated")
HOST_ERRORS = (OSError, http.client.HTTPException)


def link_status(host: DevhostProcess, instance_id: str) -> dict[str, Any] | None:
    answer = host.get(f"/api/links/{instance_id}")
    return answer.json() if answer.status == 200 else None


def wait_phase(host: DevhostProcess, instance_id: str, *phases: str, timeout: float = 60.0,
               interval: float = 0.02) -> dict[str, Any]:
    last: list[dict[str, Any] | None] = [None]

    def reached() -> dict[str, Any] | None:
        last[0] = link_status(host, instance_id)
        return last[0] if last[0] and last[0]["phase"] in phases else None

    try:
        return wait_for(reached, timeout, interval)
    except TimeoutError:
        phase = last[0] and last[0]["phase"]
        raise AssertionError(f"{instance_id} never reached {phases}; last phase {phase}") from None


def wait_finished(host: DevhostProcess, instance_id: str, timeout: float = 60.0) -> dict[str, Any]:
    """The status document once the orchestration itself has ended (its last event is published)."""
    def ended() -> dict[str, Any] | None:
        status = link_status(host, instance_id)
        return status if status and status["runtimeStatus"] in FINAL_RUNTIME else None
    return wait_for(ended, timeout, what=f"{instance_id} finished")


def confirm(host: DevhostProcess, instance_id: str, typed_name: str = OPERATOR_NAME,
            principal: str | None = OPERATOR):
    headers = easy_auth(principal) if principal else {}
    return host.post(f"/api/links/{instance_id}/confirm", {"typedName": typed_name}, headers=headers)


def host_alive(host: DevhostProcess) -> bool:
    return host.process is not None and host.process.poll() is None


def restart_held(host: DevhostProcess) -> None:
    """Start again on the same state with the clock held, so that a link still waiting for its
    confirmation cannot have its deadline jumped to before the test confirms."""
    if host_alive(host):
        return
    host.kill()  # reap
    host.args = [a for a in host.args if a != "--hold-clock"] + ["--hold-clock"]
    host.start()


def let_retry_timers_fire(host: DevhostProcess, within_seconds: float = 600) -> None:
    """A held clock stops the validation's retry timers too: move it to the next timer when the host
    has nothing else to do, unless that timer is far off (a confirmation deadline is at least 15
    minutes away)."""
    state = host.idle()
    if state["idle"] and state.get("nextTimer"):
        gap = datetime.fromisoformat(state["nextTimer"].replace("Z", "+00:00")) - \
            datetime.fromisoformat(state["now"].replace("Z", "+00:00"))
        if gap.total_seconds() <= within_seconds:
            host.advance_clock(to=state["nextTimer"])


def drive_to_the_end(stack: Stack, link: LinkTarget, arm: Callable[[], None] | None = None,
                     disturbed: Callable[[], bool] = lambda: True, timeout: float = 90) -> dict[str, Any]:
    """Request, confirm (with the clock held until then) and follow one link to its end, restarting
    the host whenever it dies. `arm` runs once the clock is held; the link counts as finished only
    once `disturbed()` says the planned disturbance has happened."""
    host = stack.host
    host.hold_clock()
    if arm:
        arm()
    requested = released = confirmed = False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if not host_alive(host):
                restart_held(host)
                released = False
            if not requested:
                answer = host.post("/api/links", link.request())
                assert answer.status in (202, 409), answer.body
                requested = True
            status = link_status(host, link.instance_id)
            if status is None:
                requested = False  # the start was lost with the host: ask again
                continue
            finished = status["runtimeStatus"] in ("Completed", "Failed", "Terminated")
            if status["phase"] == "AwaitingConfirmation" and not confirmed:
                # A 202 means the event is stored: it survives any later kill.
                confirmed = confirm(host, link.instance_id).status == 202
            elif status["phase"] not in ("Validating", "AwaitingConfirmation") and not released:
                host.release_clock()
                released = True
            elif status["phase"] == "Validating" and not released:
                let_retry_timers_fire(host)
            if finished and disturbed():
                if host_alive(host):
                    return status
        except HOST_ERRORS:
            pass  # the host died under the request; the loop restarts it
        time.sleep(0.02)
    raise AssertionError(f"{link.instance_id} did not finish within {timeout}s: {link_status(host, link.instance_id)}")
