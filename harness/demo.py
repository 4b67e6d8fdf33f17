"""The sandbox and devhost (which starts Azurite) as child processes for `scripts/demo`, with their
logs and state in one folder, stopped together."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from devhost.processes import free_port, stop_processes

ROOT = Path(__file__).resolve().parent.parent


def wait_for_file(path: Path, process: subprocess.Popen, what: str, logs: Path, timeout: float = 60) -> dict[str, Any]:
    """The JSON a starting process writes once it is ready (its settings, its ready file)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with code {process.returncode}; see {logs}")
        if path.exists():
            try:
                return json.loads(path.read_text())
            except ValueError:
                pass  # still being written
        time.sleep(0.1)
    raise SystemExit(f"{what} did not start within {timeout:.0f} s; see {logs}")


class DemoStack:
    """The sandbox and devhost as child processes, stopped together; logs and state under `state`."""

    def __init__(self, state: Path, scenario: str, port: int, virtual_time: bool):
        self.processes: list[subprocess.Popen] = []
        self.state = state
        self.scenario, self.port, self.virtual_time = scenario, port, virtual_time

    def spawn(self, args: list[str], log_name: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        log = open(self.state / log_name, "ab")
        process = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
        self.processes.append(process)
        return process

    def start(self) -> dict[str, str]:
        settings_file = self.state / "sandbox-settings.json"
        sandbox = self.spawn(["-m", "sandbox", "--scenario", self.scenario, "--port", "0", "--state-dir",
                              str(self.state / "sandbox"), "--settings-out", str(settings_file)], "sandbox.log")
        settings = wait_for_file(settings_file, sandbox, "the sandbox", self.state)
        self.sandbox_url = settings["AZURE_AUTHORITY_HOST"]
        self.ca = settings["SERVICES_CA_BUNDLE"]
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **settings, "LCS_TOKEN_CACHE": str(self.state / "lcs-token-cache.json"),
                    "LINK_PUBLIC_BASE_URL": self.url, "LINK_API_URL": self.url}
        ready = self.state / "devhost-ready.json"
        args = ["-m", "devhost", "--port", str(self.port), "--state", str(self.state / "devhost"), "--ready-file",
                str(ready), "--sandbox-url", self.sandbox_url, "--sandbox-ca", self.ca,
                "--azurite-url", f"http://127.0.0.1:{free_port()}/devstoreaccount1",
                "--azurite-blob-url", f"http://127.0.0.1:{free_port()}/devstoreaccount1"]
        if self.virtual_time:
            args += ["--virtual-time", "--hold-clock"]
        wait_for_file(ready, self.spawn(args, "devhost.log", self.env), "devhost", self.state)
        return self.env

    def scenario_document(self) -> dict[str, Any]:
        return requests.get(f"{self.sandbox_url}/_sandbox/scenario", verify=self.ca, timeout=10).json()["scenario"]

    def stop(self) -> None:
        stop_processes(list(reversed(self.processes)), timeout=15)  # devhost first, then the sandbox
