"""Kill-and-restart: devhost is SIGKILLed at a random point of a link's life, restarted on the same
state, and the link must still end Linked with exactly one setup start.

The points are seeded (RELIABILITY_SEED, printed with each run) and of three kinds:
- "arrive k": the k-th service call of the link reached the sandbox, which acts on it, but the host
  dies before it reads the answer (for the setup call: LCS started the setup, the host never knew);
- "sent k": the sandbox has written the k-th answer; the host dies while or just after reading it;
  (k counts calls to the services, not to Entra: a restarted host fetches its tokens again, so
  token calls would shift every later index from run to run);
- "wall d": d seconds after the link was requested, whatever the host is doing then (an HTTP
  request, an orchestrator episode, a queue write, waiting for the confirmation, or already done).
The first two runs aim at the irreversible call itself (the setup POST) on both sides of its answer.
"""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from dataclasses import dataclass

import pytest

import function_app
from devhost.replay import replay_instance
from harness.recorder import Call
from harness.scenarios import link_targets, many_links
from harness.stack import Stack, drive_to_the_end

RUNS = 30
PHASES = ["link.validating", "link.awaiting-confirmation", "link.starting-setup", "link.provisioning",
          "link.verifying", "link.linked"]


@dataclass(frozen=True)
class KillPoint:
    kind: str  # "arrive", "sent" or "wall"
    call: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        return f"wall {self.seconds:.3f}s" if self.kind == "wall" else f"{self.kind} {self.call}"


@dataclass(frozen=True)
class Reference:
    calls: list[Call]  # to the services, Entra left out
    seconds: float
    setup_call: int  # 1-based index of the setup POST


class Crasher:
    """Fires one SIGKILL at the chosen point; the test thread restarts the host."""

    def __init__(self, stack: Stack, point: KillPoint) -> None:
        self.stack, self.point = stack, point
        self.fired = threading.Event()
        self.seen = 0
        self.victim: Call | None = None
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def arm(self) -> None:
        recorder = self.stack.recorder
        if self.point.kind == "wall":
            self._timer = threading.Timer(self.point.seconds, self._kill)
            self._timer.start()
            return

        def count(call: Call) -> None:
            if call.service == "entra":
                return
            with self._lock:
                self.seen += 1
                if self.seen == self.point.call:
                    self.victim = call
            if self.point.kind == "arrive" and call is self.victim:
                self._kill()
        recorder.before = count
        if self.point.kind == "sent":
            recorder.after = lambda call: self._kill() if call is self.victim else None

    def disarm(self) -> None:
        if self._timer:
            self._timer.cancel()
        self.stack.recorder.before = self.stack.recorder.after = None

    def _kill(self) -> None:
        if self.fired.is_set():
            return
        process = self.stack.host.process
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        self.fired.set()


def events_of(stack: Stack, instance_id: str) -> list[str]:
    mine = [json.loads(m) for m in stack.drain("link-events")]
    return [e["type"] for e in mine if e["instanceId"] == instance_id]


LINKS = link_targets(RUNS + 1, project_per_link=True)


@pytest.fixture(scope="module")
def stack(make_stack) -> Stack:
    return make_stack(many_links(RUNS + 1, project_per_link=True))


@pytest.fixture(scope="module")
def reference(stack: Stack) -> Reference:
    """One undisturbed link: the service calls a link makes, and how long it takes."""
    stack.recorder.clear()
    began = time.monotonic()
    status = drive_to_the_end(stack, LINKS[RUNS])
    seconds = time.monotonic() - began
    assert status["phase"] == "Linked", status["outcome"]
    calls = [c for c in stack.recorder.snapshot() if c.service != "entra"]
    setup = next(i for i, c in enumerate(calls, 1) if c.method == "POST" and "/powerplatformintegration/setup/" in c.path)
    events_of(stack, LINKS[RUNS].instance_id)  # takes the reference's events off the queue
    return Reference(calls, seconds, setup)


def kill_point(seed: int, run: int, reference: Reference) -> KillPoint:
    rng = random.Random(f"{seed}:kill:{run}")
    if run < 2:
        return KillPoint(("arrive", "sent")[run], call=reference.setup_call)
    kind = rng.choice(["arrive", "sent", "wall"])
    if kind == "wall":
        return KillPoint(kind, seconds=round(rng.uniform(0, reference.seconds * 1.1), 3))
    return KillPoint(kind, call=rng.randint(1, len(reference.calls)))


@pytest.mark.parametrize("run", range(RUNS))
def test_a_kill_at_any_point_still_links_once(stack: Stack, reference: Reference, seed: int, run: int):
    link = LINKS[run]
    point = kill_point(seed, run, reference)
    print(f"seed {seed} run {run}: kill at {point}")
    crasher = Crasher(stack, point)
    stack.recorder.clear()
    try:
        status = drive_to_the_end(stack, link, crasher.arm, crasher.fired.is_set)
    finally:
        crasher.disarm()
    if crasher.victim:
        print(f"  the call was {crasher.victim.service} {crasher.victim.method} {crasher.victim.path}")

    assert crasher.fired.is_set(), f"the kill point {point} was never reached (seed {seed})"
    assert status["phase"] == "Linked" and status["runtimeStatus"] == "Completed", (point, status["outcome"])
    assert stack.sandbox.setup_starts().get(link.lcs_environment) == 1, (point, stack.sandbox.setup_starts())
    assert status["outcome"]["audit"]["setupActivityId"] == status["provisioning"]["setupActivityId"]
    # Events are delivered at least once: after deduplication every phase is there, in order.
    seen = list(dict.fromkeys(events_of(stack, link.instance_id)))
    assert seen == PHASES, (point, seen)
    report = replay_instance(function_app.app, stack.host.db_path, link.instance_id)
    assert report.ok, report.problems
