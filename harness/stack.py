"""A private stack for reliability tests and benchmarks: the sandbox (in this process, behind a call
recorder, harness.recorder), an Azurite of its own and a devhost process, so that killing, flooding
or re-configuring the host never disturbs the session's shared fixtures (tests/conftest.py); and the
waits that drive a link through it.
"""

from __future__ import annotations

import http.client
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

from azure.storage.queue import QueueClient, TextBase64DecodePolicy, TextBase64EncodePolicy

from devhost.processes import Azurite, find_azurite_queue, free_port
from devhost.testing import REPO_ROOT, DevhostProcess, wait_until
from harness.happy_path import APPROVER, OPERATOR, OPERATOR_NAME, QUEUE_API_VERSION, easy_auth
from harness.recorder import CallRecorder, record_calls
from harness.scenarios import LinkTarget
from sandbox.server import SandboxServer
from services.identity import lcs_sign_in
from services.settings import ServiceSettings


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


# Given to every test and benchmark host: the start-up warm-up off (local.settings.example.json turns
# it on), so a run sees only the calls it makes itself; a benchmark that measures the warm-up turns it on.
HOST_DEFAULTS = {"TOKEN_PREFETCH_AT_START": "false"}


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
        **HOST_DEFAULTS,
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
    return wait_until(predicate, timeout, interval, what)


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
