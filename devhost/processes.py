"""Child processes devhost may start: Azurite (queue and blob services) and the sandbox."""
from __future__ import annotations

import importlib.util
import json
import logging
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

log = logging.getLogger("devhost")


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def find_azurite_queue(start: Path) -> Path | None:
    """node_modules/.bin/azurite-queue in start or one of its parents (the project installs it with npm)."""
    for folder in [start.resolve(), *start.resolve().parents]:
        candidate = folder / "node_modules" / ".bin" / "azurite-queue"
        if candidate.exists():
            return candidate
    return None


@dataclass
class Azurite:
    """Azurite's queue service on 127.0.0.1:port and its blob service on blob_port (the app keeps its
    status documents in blobs), with their data under location. `binary` is azurite-queue; azurite-blob
    sits beside it."""

    location: Path
    port: int
    binary: Path
    blob_port: int = 0
    processes: list[subprocess.Popen] = field(default_factory=list, init=False)

    @property
    def queue_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/devstoreaccount1"

    @property
    def blob_url(self) -> str:
        return f"http://127.0.0.1:{self.blob_port}/devstoreaccount1"

    @property
    def connection_string(self) -> str:
        from .settings import development_connection_string

        return development_connection_string(self.queue_url, self.blob_url)

    def start(self, timeout: float = 30.0) -> "Azurite":
        self.location.mkdir(parents=True, exist_ok=True)
        self.blob_port = self.blob_port or free_port()
        try:
            self._serve(self.binary, "queue", self.port, timeout)
            self._serve(self.binary.with_name("azurite-blob"), "blob", self.blob_port, timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _serve(self, binary: Path, service: str, port: int, timeout: float) -> None:
        log_file = open(self.location / f"azurite-{service}.log", "ab")
        process = subprocess.Popen(
            [str(binary), f"--{service}Host", "127.0.0.1", f"--{service}Port", str(port),
             "--location", str(self.location), "--silent", "--disableTelemetry", "--skipApiVersionCheck"],
            stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        self.processes.append(process)
        deadline = time.monotonic() + timeout
        while not port_open("127.0.0.1", port):
            if process.poll() is not None:
                raise RuntimeError(f"Azurite ({service}) exited with code {process.returncode}; "
                                   f"see {self.location}/azurite-{service}.log")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Azurite ({service}) did not listen on port {port} within {timeout:.0f}s")
            time.sleep(0.1)

    def stop(self) -> None:
        stop_processes(self.processes)


def stop_processes(processes: list[subprocess.Popen], timeout: float = 10) -> None:
    """Ask every process to stop, then wait for each; kill what has not stopped within `timeout`."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def ensure_azurite(queue_url: str, blob_url: str, app_dir: Path, state_dir: Path) -> Azurite | None:
    """Start Azurite for queue_url and blob_url unless something already listens there. Returns what was started."""
    parsed, blob = urlparse(queue_url), urlparse(blob_url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 10001
    if port_open(host, port):
        log.info("using the Azurite queue service already listening on %s:%d", host, port)
        return None
    if host not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"nothing listens at {queue_url} and devhost only starts Azurite locally")
    binary = find_azurite_queue(app_dir) or find_azurite_queue(Path.cwd())
    if binary is None:
        raise SystemExit("Azurite is not installed: run `npm ci` in the project (package.json pins it)")
    log.info("starting Azurite (queues on %d, blobs on %d), data in %s", port, blob.port or 10000,
             state_dir / "azurite")
    return Azurite(state_dir / "azurite", port, binary, blob.port or 10000).start()


@dataclass
class Sandbox:
    process: subprocess.Popen
    settings: dict[str, str]
    base_url: str | None
    ca_path: str | None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_sandbox(scenario: str, app_dir: Path, state_dir: Path, timeout: float = 60.0) -> Sandbox:
    """Run `python -m sandbox --scenario X --port 0 --settings-out FILE` and read what it wrote."""
    # Located, not imported: devhost talks to the sandbox only over HTTP.
    spec = importlib.util.find_spec("sandbox")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("--sandbox needs the sandbox package (python -m sandbox) on the Python path")
    package_parent = str(Path(list(spec.submodule_search_locations)[0]).parent)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_parent,
                                                                             os.environ.get("PYTHONPATH")]))}
    settings_file = state_dir / "sandbox-settings.json"
    settings_file.unlink(missing_ok=True)
    log_file = open(state_dir / "sandbox.log", "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--scenario", scenario, "--port", "0", "--settings-out", str(settings_file),
         "--state-dir", str(state_dir / "sandbox")],
        cwd=str(app_dir), env=environment, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout
    while True:
        if settings_file.exists():
            try:
                document = json.loads(settings_file.read_text())
                break
            except ValueError:
                pass  # still being written
        if process.poll() is not None:
            raise SystemExit(f"the sandbox exited with code {process.returncode}; see {state_dir / 'sandbox.log'}")
        if time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"the sandbox wrote no settings within {timeout:.0f}s")
        time.sleep(0.1)
    return Sandbox(process, *read_sandbox_settings(document))


def read_sandbox_settings(document: dict) -> tuple[dict[str, str], str | None, str | None]:
    """Settings, base URL and CA path from the sandbox's --settings-out JSON."""
    raw = document.get("settings") or document.get("Values") or {
        k: v for k, v in document.items() if isinstance(v, str) and k.isupper()
    }
    settings = {str(k): str(v) for k, v in raw.items() if v is not None}
    # The sandbox's --settings-out file is the flat settings object; its base URL is the authority host.
    base = document.get("baseUrl") or settings.get("AZURE_AUTHORITY_HOST")
    ca = document.get("caCertPath") or settings.get("SERVICES_CA_BUNDLE")
    return settings, base, ca
