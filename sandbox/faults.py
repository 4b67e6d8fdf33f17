"""Fault injection per service: latency, throttling, 5xx errors, bursts of 503, a service down.

Deterministic for a seed: each service draws from its own random stream, twice per call (throttle,
then error) whatever the rates, so the n-th call to a service meets the same fate on every run with
the same seed and configuration, whatever the other services see.
"""
from __future__ import annotations

import copy
import email.utils
import math
import random
import threading
import time
from dataclasses import dataclass
from typing import Any

SERVICES = ("entra", "lcs", "bap", "powerplatform", "graph", "dataverse")
DEFAULT_SEED = 0
DEFAULT_LCS_METADATA_CALLS_PER_MINUTE = 6
_DEFAULTS: dict[str, Any] = {
    "latencyMs": 0, "throttleRate": 0.0, "retryAfterSeconds": 1, "errorRate": 0.0,
    "errorStatus": 503, "burst": 0, "down": False, "retryAfterHttpDate": False,
}


@dataclass(frozen=True)
class FaultDecision:
    """What to do to one call: `kind` is None (answer normally), down, burst, throttled or error."""

    kind: str | None
    delay_ms: int
    status: int = 0
    retry_after_seconds: float = 0.0
    # Write Retry-After as an HTTP date (RFC 9110 allows both), on 429s and on 5xx answers alike.
    retry_after_http_date: bool = False


class FaultInjector:
    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(config or {})

    def configure(self, config: dict[str, Any]) -> None:
        """Replace the whole configuration (validated by the scenario schema's `faults` part)."""
        with self._lock:
            self._seed = config.get("seed", DEFAULT_SEED)
            self._services = {name: {**_DEFAULTS, **config.get(name, {})} for name in SERVICES}
            self._services["lcs"].setdefault("metadataCallsPerMinute", DEFAULT_LCS_METADATA_CALLS_PER_MINUTE)
            self._random = {name: random.Random(f"{self._seed}:{name}") for name in SERVICES}

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"seed": self._seed, **copy.deepcopy(self._services)}

    @property
    def lcs_metadata_calls_per_minute(self) -> int:
        with self._lock:
            return int(self._services["lcs"]["metadataCallsPerMinute"])

    def decide(self, service: str) -> FaultDecision:
        with self._lock:
            settings = self._services[service]
            rng = self._random[service]
            throttle_roll, error_roll = rng.random(), rng.random()
            delay = int(settings["latencyMs"])
            wait, dated = float(settings["retryAfterSeconds"]), bool(settings["retryAfterHttpDate"])
            if settings["down"]:
                return FaultDecision("down", delay, 503, wait, dated)
            if settings["burst"] > 0:
                settings["burst"] -= 1
                return FaultDecision("burst", delay, 503, wait, dated)
            if throttle_roll < settings["throttleRate"]:
                return FaultDecision("throttled", delay, 429, wait, dated)
            if error_roll < settings["errorRate"]:
                return FaultDecision("error", delay, int(settings["errorStatus"]), wait, dated)
            return FaultDecision(None, delay)


def http_date_retry_after(seconds: float, now: float | None = None) -> str:
    """Retry-After as an IMF-fixdate, rounded up to the whole second it names (wall time, like a service)."""
    moment = math.ceil((time.time() if now is None else now) + seconds)
    return email.utils.formatdate(moment, usegmt=True)


def format_retry_after(seconds: float) -> str:
    """Retry-After as the service would write it: 2 stays "2", 2.128 stays "2.128" (Graph does that)."""
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"
