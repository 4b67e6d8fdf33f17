"""Test helpers for driving devhost as a real process (reused by the product's end-to-end tests).

    from devhost.testing import DevhostProcess, run_client
    with DevhostProcess(app_dir, state_dir, env={...}, args=["--virtual-time"]) as host:
        started = host.post("/api/links", {...})
        host.wait_for_status(started.json()["id"], {"Completed"})
        host.kill(); host.start()          # SIGKILL, then resume on the same state and port

Fixtures (import them into a conftest: ``from devhost.testing import azurite, devhost_factory``;
pytest refuses ``pytest_plugins`` outside the rootdir's conftest):
``azurite`` (session: an Azurite queue service on a free port, ``.connection_string``) and
``devhost_factory`` (function: ``devhost_factory(app_dir, env=..., args=...)`` returns a started
DevhostProcess with its own state dir; all are stopped at teardown).
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable, Iterator, Mapping, Sequence, TypeVar

import pytest

from .processes import Azurite, find_azurite_queue, free_port
from .settings import development_connection_string

T = TypeVar("T")
REPO_ROOT = Path(__file__).resolve().parent.parent
TERMINAL = frozenset({"Completed", "Failed", "Terminated", "Canceled"})


@dataclass(frozen=True)
class HttpResult:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class DevhostProcess:
    """``python -m devhost`` as a subprocess on a free port, restartable on the same state dir."""

    def __init__(
        self,
        app_dir: str | Path,
        state_dir: str | Path,
        env: Mapping[str, str] | None = None,
        args: Sequence[str] = (),
        app_module: str = "function_app",
        port: int | None = None,
    ) -> None:
        self.app_dir = Path(app_dir).resolve()
        self.state_dir = Path(state_dir).resolve()
        self.env = dict(env or {})
        self.args = list(args)
        self.app_module = app_module
        self.port = port or free_port()
        self._port_retries = 0 if port else 3
        self.process: subprocess.Popen | None = None
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.state_dir / "devhost.log"

    # -- process ------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_path(self) -> Path:
        return self.state_dir / "durable.sqlite3"

    @property
    def ready_file(self) -> Path:
        return self.state_dir / "ready.json"

    def start(self, timeout: float = 60.0) -> "DevhostProcess":
        if self.process and self.process.poll() is None:
            raise RuntimeError("devhost is already running")
        self.ready_file.unlink(missing_ok=True)
        environment = {**os.environ, **self.env}
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), environment.get("PYTHONPATH")]))
        command = [
            sys.executable, "-m", "devhost", "--app-dir", str(self.app_dir), "--app-module", self.app_module,
            "--state", str(self.state_dir), "--port", str(self.port), "--ready-file", str(self.ready_file),
            *self.args,
        ]
        with self.log_path.open("ab") as log:
            log.write(f"\n=== start {' '.join(command[3:])}\n".encode())
        self.process = subprocess.Popen(
            command, cwd=str(self.app_dir), env=environment, stdin=subprocess.DEVNULL,
            stdout=self.log_path.open("ab"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                if "Address already in use" in self.logs()[-2000:] and self._port_retries > 0:
                    self._port_retries -= 1  # a port picked as free was taken meanwhile: pick another
                    self.port = free_port()
                    return self.start(timeout)
                raise RuntimeError(f"devhost exited with {self.process.returncode}:\n{self.logs()[-4000:]}")
            if self.ready_file.exists():
                try:
                    if json.loads(self.ready_file.read_text()).get("pid") == self.process.pid:
                        return self
                except ValueError:
                    pass
            if time.monotonic() > deadline:
                self.kill()
                raise TimeoutError(f"devhost was not ready within {timeout:.0f}s:\n{self.logs()[-4000:]}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, like a crash."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self, timeout: float = 60.0) -> "DevhostProcess":
        self.stop()
        return self.start(timeout)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> "DevhostProcess":
        return self.start() if not (self.process and self.process.poll() is None) else self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- HTTP ---------------------------------------------------------------------
    def request(
        self, method: str, path: str, body: Any = None, headers: Mapping[str, str] | None = None,
        timeout: float = 30.0, raw: bytes | None = None,
    ) -> HttpResult:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        all_headers = {"Content-Type": "application/json"} if data is not None else {}
        all_headers.update(headers or {})
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return HttpResult(answer.status, dict(answer.headers), answer.read())
        except urllib.error.HTTPError as error:
            return HttpResult(error.code, dict(error.headers), error.read())

    def get(self, path: str, **kwargs: Any) -> HttpResult:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> HttpResult:
        return self.request("POST", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> HttpResult:
        return self.request("DELETE", path, **kwargs)

    # -- Durable --------------------------------------------------------------------
    def status(self, instance_id: str, show_history: bool = False) -> dict | None:
        query = "?showHistory=true&showHistoryOutput=true" if show_history else ""
        answer = self.get(f"/runtime/webhooks/durabletask/instances/{instance_id}{query}")
        return None if answer.status == 404 else answer.json()

    def wait_until(self, predicate: Callable[[], T], timeout: float = 30.0, interval: float = 0.05) -> T:
        return wait_until(predicate, timeout, interval)

    def wait_for_status(self, instance_id: str, statuses: Iterable[str] = TERMINAL, timeout: float = 30.0) -> dict:
        wanted = set(statuses)
        last: list[dict | None] = [None]

        def reached() -> dict | None:
            last[0] = self.status(instance_id)
            return last[0] if last[0] and last[0]["runtimeStatus"] in wanted else None

        try:
            return self.wait_until(reached, timeout)
        except TimeoutError:
            raise TimeoutError(f"{instance_id} did not reach {sorted(wanted)} within {timeout}s; last: {last[0]}")

    def client_binding(self) -> str:
        """The durableClient binding JSON, to build DurableOrchestrationClient outside a function."""
        return self.get("/admin/devhost/durable-client").body.decode()

    # -- clock (with --virtual-time) ------------------------------------------------
    def clock(self) -> dict:
        return self.get("/admin/devhost/clock").json()

    def idle(self) -> dict:
        return self.get("/admin/devhost/idle").json()

    def hold_clock(self) -> dict:
        return self.post("/admin/devhost/clock/hold").json()

    def release_clock(self) -> dict:
        return self.post("/admin/devhost/clock/release").json()

    def hold_activity(self, name: str) -> dict:
        """Hold every work item of activity ``name`` until ``release_activity(name)`` (a test hook)."""
        return self.post("/admin/devhost/activities/hold", {"name": name}).json()

    def release_activity(self, name: str) -> dict:
        return self.post("/admin/devhost/activities/release", {"name": name}).json()

    def activity_gate(self) -> dict:
        return self.get("/admin/devhost/activities").json()

    def advance_clock(self, seconds: float | None = None, to: str | None = None) -> dict:
        body = {"to": to} if to else {"seconds": seconds}
        return self.post("/admin/devhost/clock/advance", body).json()

    @contextmanager
    def held_clock(self) -> Iterator[None]:
        """Keep virtual time still (no timer jumps) inside the block, e.g. until an event is raised."""
        self.hold_clock()
        try:
            yield
        finally:
            self.release_clock()

    def wait_idle(self, timeout: float = 30.0) -> dict:
        return self.wait_until(lambda: (state := self.idle())["idle"] and state, timeout)


def wait_until(predicate: Callable[[], T], timeout: float = 30.0, interval: float = 0.05,
               what: str = "condition") -> T:
    """The predicate's first truthy value, asked every `interval` seconds; TimeoutError after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not met within {timeout:.0f}s")
        time.sleep(interval)


def run_client(binding: str | Mapping[str, Any], work: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``work(DurableOrchestrationClient)`` in a fresh event loop.

    The SDK keeps one module-global aiohttp session bound to the loop that created it;
    it is closed here so that the next asyncio.run() gets a new one."""
    from azure.durable_functions import DurableOrchestrationClient
    from azure.durable_functions.models.utils import http_utils

    async def main() -> T:
        client = DurableOrchestrationClient(binding if isinstance(binding, str) else json.dumps(binding))
        try:
            return await work(client)
        finally:
            await http_utils._close_session()

    return asyncio.run(main())


@dataclass(frozen=True)
class AzuriteService:
    queue_url: str
    port: int
    blob_url: str | None = None

    @property
    def connection_string(self) -> str:
        return development_connection_string(self.queue_url, self.blob_url)


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AzuriteService]:
    binary = find_azurite_queue(REPO_ROOT)
    if binary is None:
        pytest.fail("Azurite is not installed: run `npm ci` (package.json pins it)")
    for attempt in range(3):  # a port picked as free can be taken before Azurite binds it
        try:
            server = Azurite(tmp_path_factory.mktemp("azurite"), free_port(), binary).start()
            break
        except RuntimeError:
            if attempt == 2:
                raise
    try:
        yield AzuriteService(server.queue_url, server.port, server.blob_url)
    finally:
        server.stop()


@pytest.fixture
def devhost_factory(tmp_path: Path) -> Iterator[Callable[..., DevhostProcess]]:
    started: list[DevhostProcess] = []

    def make(app_dir: str | Path, env: Mapping[str, str] | None = None, args: Sequence[str] = (),
             state_dir: str | Path | None = None, app_module: str = "function_app") -> DevhostProcess:
        state = Path(state_dir) if state_dir else tmp_path / f"devhost-{len(started)}"
        host = DevhostProcess(app_dir, state, env=env, args=args, app_module=app_module)
        started.append(host)
        return host.start()

    yield make
    for host in started:
        host.stop()
