"""Fault decisions that do not depend on how concurrent calls interleave.

The sandbox draws each service's faults from one random stream, so the n-th call to a service
meets the same fate on every run; but when activities call one service in parallel, which request
is the n-th changes from run to run, and so does the outcome. Here the fate of a request is drawn
from (seed, request identity, attempt number) instead: the same request meets the same sequence of
429s and 503s on every run, which makes a storm's outcome reproducible from its seed.
"""

from __future__ import annotations

import random
import threading
from collections import Counter

from sandbox.faults import FaultDecision, FaultInjector
from sandbox.server import SandboxServer

_current = threading.local()


def set_current_request(key: tuple[str, ...] | None) -> None:
    """Called by the recorder in the sandbox's request thread, before the sandbox decides."""
    _current.key = key


class KeyedFaults(FaultInjector):
    def __init__(self, config: dict | None = None) -> None:
        self._attempts: Counter[tuple[str, ...]] = Counter()
        self._attempts_lock = threading.Lock()
        super().__init__(config)

    def configure(self, config: dict) -> None:
        super().configure(config)
        with self._attempts_lock:
            self._attempts.clear()

    def decide(self, service: str) -> FaultDecision:
        key = getattr(_current, "key", None)
        snapshot = self.snapshot()
        settings = snapshot[service]
        if key is None or settings["down"] or settings["burst"]:
            return super().decide(service)
        with self._attempts_lock:
            attempt = self._attempts[key]
            self._attempts[key] += 1
        rng = random.Random(f"{snapshot['seed']}:{'/'.join(key)}:{attempt}")
        throttle_roll, error_roll = rng.random(), rng.random()
        delay = int(settings["latencyMs"])
        if throttle_roll < settings["throttleRate"]:
            return FaultDecision("throttled", delay, 429, float(settings["retryAfterSeconds"]))
        if error_roll < settings["errorRate"]:
            return FaultDecision("error", delay, int(settings["errorStatus"]))
        return FaultDecision(None, delay)


def use_keyed_faults(server: SandboxServer) -> None:
    """Replace the sandbox's fault injector (it has no public hook for this) with a keyed one."""
    keyed = KeyedFaults(server.sandbox.faults.snapshot())
    server.sandbox.faults = keyed
