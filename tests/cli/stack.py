"""The whole product on one machine for the operator-experience tests: the sandbox (happy-path),
Azurite and the real app on devhost with virtual time. Used by tests/cli and tests/webui.

Each test module gets its own stack (its own task hub); tests within a module reset the sandbox and
remove the runs they made.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from devhost.testing import REPO_ROOT, DevhostProcess
from harness.stack import HOST_DEFAULTS
from harness.happy_path import INSTANCE, LCS_ENV, OPERATOR, OPERATOR_NAME, PLACEHOLDER, PROJECT, TARGET  # noqa: F401
from sandbox.server import SandboxServer

LINK_ARGS = ["-p", str(PROJECT), "-e", LCS_ENV, "-t", TARGET, "-o", OPERATOR]


@dataclass
class Stack:
    host: DevhostProcess
    sandbox: SandboxServer
    env: dict[str, str]  # the product's settings: the CLI's `login` needs the same ones
    runs: set[str] = field(default_factory=set)

    @property
    def url(self) -> str:
        return self.host.url

    def use_scenario(self, scenario: str) -> None:
        self.sandbox.load_scenario(scenario)
        self.sandbox.reset()

    @contextmanager
    def clock_held_until_confirmed(self, instance_id: str = INSTANCE) -> Iterator[None]:
        """With virtual time, devhost jumps to the next due timer whenever the app is idle; while a
        run awaits its confirmation that timer is the deadline, and a person (the CLI, a browser)
        takes real time to confirm. So virtual time stands still until the run has moved past the
        confirmation, as it would for a person in real time."""
        self.host.hold_clock()
        stop = threading.Event()

        def release_once_confirmed() -> None:
            while not stop.wait(0.05):
                answer = self.host.get(f"/api/links/{instance_id}")
                if answer.status == 200 and answer.json()["phase"] not in ("Validating", "AwaitingConfirmation"):
                    break
            self.host.release_clock()

        watcher = threading.Thread(target=release_once_confirmed, daemon=True)
        watcher.start()
        try:
            yield
        finally:
            stop.set()
            watcher.join(timeout=10)

    def forget_runs(self) -> None:
        """Removes every link run the test made, so the next one can link the same environment."""
        self.host.release_clock()
        listed = self.host.get("/api/links").json() or {}
        for instance_id in {item["instanceId"] for item in listed.get("items", [])} | self.runs:
            if (self.host.status(instance_id) or {}).get("runtimeStatus") in ("Running", "Pending"):
                self.host.post(f"/runtime/webhooks/durabletask/instances/{instance_id}/terminate?reason=test-end")
                self.host.wait_for_status(instance_id)
            self.host.delete(f"/runtime/webhooks/durabletask/instances/{instance_id}")
        self.runs.clear()


@contextmanager
def running_stack(state: Path, storage: str, task_hub: str) -> Iterator[Stack]:
    with SandboxServer.start("happy-path") as sandbox:
        env = {
            **HOST_DEFAULTS,
            **sandbox.settings(),
            "AzureWebJobsStorage": storage,
            "DURABLE_TASK_HUB": task_hub,
            "LCS_TOKEN_CACHE": str(state / "lcs-token-cache.json"),
            "LINK_DEFAULT_SETUP_MODE": "lcs-api",
            # LCS allows 6 metadata calls per project per minute (real time); these tests start many
            # runs within a minute and are not about throttling.
            "LCS_METADATA_CALLS_PER_MINUTE": "600",
        }
        host = DevhostProcess(REPO_ROOT, state / "devhost", env=env, args=[
            "--virtual-time", "--sandbox-url", sandbox.base_url, "--sandbox-ca", sandbox.ca_cert_path,
            "--no-azurite"])
        # Links in statuses and events point at this host (local settings may name another port).
        host.env["LINK_PUBLIC_BASE_URL"] = host.url
        with host:
            yield Stack(host, sandbox, env)
