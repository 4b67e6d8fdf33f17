"""A small driver for end-to-end tests: the HTTP API as a caller sees it, plus the host's clock."""

from __future__ import annotations

import json
import time
from typing import Any

import requests
from azure.storage.queue import QueueClient, TextBase64DecodePolicy, TextBase64EncodePolicy

from devhost.testing import DevhostProcess, HttpResult
from devhost.timeutil import parse_iso
from harness.happy_path import (APPROVER, INSTANCE, LCS_ENV, OPERATOR, OPERATOR_NAME, PLACEHOLDER,  # noqa: F401
                                PROJECT, QUEUE_API_VERSION, TARGET, easy_auth, link_request)
from sandbox.server import SandboxServer


def is_problem(answer: HttpResult) -> bool:
    content_type = next((v for k, v in answer.headers.items() if k.lower() == "content-type"), "")
    return content_type.startswith("application/problem+json")


class LinkDriver:
    def __init__(self, host: DevhostProcess, sandbox: SandboxServer, storage: str):
        self.host, self.sandbox, self.storage = host, sandbox, storage
        self.started: set[str] = set()

    # -- sandbox and host --------------------------------------------------------------
    def reset(self, scenario: str) -> None:
        self.sandbox.load_scenario(scenario)
        self.sandbox.reset()
        # Dozens of links a minute on one LCS project is a test's pace, not an operator's: the
        # 6-per-minute limit is tested on its own (tests/services, bench/), not waited out here.
        self.sandbox.set_faults({"lcs": {"metadataCallsPerMinute": 0}})
        for name in ("link-events", "link-requests-poison"):
            self.queue(name).clear_messages()
        self.catch_up_with_the_sandbox_clock()

    def catch_up_with_the_sandbox_clock(self) -> None:
        """Another devhost of the session (tests/e2e/test_crash_resume.py) may have moved the shared
        sandbox clock hours ahead of this host's; provisioning follows the sandbox clock, deadlines this
        host's, so this host starts each test at the sandbox's time (the sandbox never goes back)."""
        sandbox_now = self.sandbox.clock.now()
        if sandbox_now > parse_iso(self.host.clock()["now"]):
            self.host.advance_clock(to=sandbox_now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))

    def forget_runs(self) -> None:
        self.host.release_clock()
        for instance_id in self.started:
            if (self.host.status(instance_id) or {}).get("runtimeStatus") in ("Running", "Pending"):
                self.host.post(f"/runtime/webhooks/durabletask/instances/{instance_id}/terminate?reason=test-end")
                self.host.wait_for_status(instance_id)
            self.host.delete(f"/runtime/webhooks/durabletask/instances/{instance_id}")
        # An activity of a terminated run may still be calling the sandbox: let it land before the
        # next test resets the sandbox.
        self.host.wait_idle()

    def portal_setup(self, confirmed_by: str) -> None:
        """The operator chooses Setup in the LCS portal, played by the sandbox."""
        answer = requests.post(f"{self.sandbox.base_url}/_sandbox/lcs/portal-setup", timeout=10,
                               verify=self.sandbox.ca_cert_path,
                               json={"projectId": PROJECT, "environmentId": LCS_ENV,
                                     "powerPlatformEnvironmentId": TARGET, "confirmedBy": confirmed_by})
        assert answer.status_code in (200, 202), answer.text

    def setup_starts(self) -> int:
        return self.sandbox.setup_starts().get(LCS_ENV, 0)

    def queue(self, name: str) -> QueueClient:
        client = QueueClient.from_connection_string(
            self.storage, name, api_version=QUEUE_API_VERSION,
            message_encode_policy=TextBase64EncodePolicy(), message_decode_policy=TextBase64DecodePolicy())
        try:
            client.create_queue()
        except Exception:  # already there
            pass
        return client

    def messages(self, name: str) -> list[dict[str, Any]]:
        return [json.loads(m.content) for m in self.queue(name).peek_messages(max_messages=32)]

    # -- the API -------------------------------------------------------------------------
    def start(self, **changes: Any) -> HttpResult:
        answer = self.host.post("/api/links", link_request(**changes))
        if answer.status in (202, 409):
            self.started.add(answer.json()["instanceId"])
        return answer

    def status(self, instance_id: str = INSTANCE) -> dict[str, Any]:
        answer = self.host.get(f"/api/links/{instance_id}")
        assert answer.status == 200, answer.body
        return answer.json()

    def wait_phase(self, *phases: str, instance_id: str = INSTANCE, timeout: float = 60) -> dict[str, Any]:
        deadline, last = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            answer = self.host.get(f"/api/links/{instance_id}")
            if answer.status == 200:
                last = answer.json()
                if last["phase"] in phases:
                    return last
            time.sleep(0.05)
        raise AssertionError(f"{instance_id} never reached {phases}; last {last and last['phase']}: {last}")

    def confirm(self, typed_name: str, principal: str | None = OPERATOR, instance_id: str = INSTANCE) -> HttpResult:
        headers = easy_auth(principal) if principal else {}
        return self.host.post(f"/api/links/{instance_id}/confirm", {"typedName": typed_name}, headers=headers)

    def cancel(self, reason: str, principal: str | None = OPERATOR, instance_id: str = INSTANCE) -> HttpResult:
        headers = easy_auth(principal) if principal else {}
        return self.host.post(f"/api/links/{instance_id}/cancel", {"reason": reason}, headers=headers)

    def attempts(self) -> list[dict[str, Any]]:
        return (self.status().get("confirmation") or {}).get("attempts", [])

    def wait_attempts(self, count: int) -> list[dict[str, Any]]:
        return self.host.wait_until(lambda: len(self.attempts()) >= count and self.attempts())
