"""Fault injection per service: latency, throttling, 5xx errors, bursts of 503, a service down; and
keyed faults aimed at one operation for one key (this environment's setup call, this scope's token).

Deterministic for a seed. By default each service draws from its own random stream, twice per call
(throttle, then error) whatever the rates, so the n-th call to a service meets the same fate on every
run with the same seed and configuration, whatever the other services see. With `draws: perRequest`
a request's fate is drawn from (seed, the request's identity, its attempt number) instead: when
activities call one service in parallel, which request is the n-th changes from run to run, but the
same request still meets the same sequence of fates.
"""
from __future__ import annotations

import copy
import email.utils
import math
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sandbox.fault_targets import FaultTarget
from sandbox.model import normalize_guid

SERVICES = ("entra", "lcs", "bap", "powerplatform", "graph", "dataverse")
DEFAULT_SEED = 0
DEFAULT_LCS_METADATA_CALLS_PER_MINUTE = 6
PER_SERVICE, PER_REQUEST = "perService", "perRequest"
ANY_KEY = "*"
_DEFAULTS: dict[str, Any] = {
    "latencyMs": 0, "throttleRate": 0.0, "retryAfterSeconds": 1, "errorRate": 0.0,
    "errorStatus": 503, "burst": 0, "down": False, "retryAfterHttpDate": False,
}


@dataclass(frozen=True)
class FaultDecision:
    """What to do to one call: `kind` is None (answer normally), keyed, down, burst, throttled or error."""

    kind: str | None
    delay_ms: int
    status: int = 0
    retry_after_seconds: float = 0.0
    # Write Retry-After as an HTTP date (RFC 9110 allows both), on 429s and on 5xx answers alike.
    retry_after_http_date: bool = False

    @property
    def throttles(self) -> bool:
        return self.kind == "throttled" or (self.kind == "keyed" and self.status == 429)


class FaultInjector:
    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(config or {})

    def configure(self, config: dict[str, Any]) -> None:
        """Replace the whole configuration (validated by the scenario schema's `faults` part)."""
        with self._lock:
            self._seed = config.get("seed", DEFAULT_SEED)
            self._draws = config.get("draws", PER_SERVICE)
            self._keyed = {aim: {k if k == ANY_KEY else normalize_guid(k): dict(fault) for k, fault in by_key.items()}
                           for aim, by_key in config.get("keyed", {}).items()}
            self._services = {name: {**_DEFAULTS, **config.get(name, {})} for name in SERVICES}
            self._services["lcs"].setdefault("metadataCallsPerMinute", DEFAULT_LCS_METADATA_CALLS_PER_MINUTE)
            self._random = {name: random.Random(f"{self._seed}:{name}") for name in SERVICES}
            self._attempts: Counter[tuple[str, ...]] = Counter()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"seed": self._seed, "draws": self._draws, "keyed": copy.deepcopy(self._keyed),
                    **copy.deepcopy(self._services)}

    @property
    def lcs_metadata_calls_per_minute(self) -> int:
        with self._lock:
            return int(self._services["lcs"]["metadataCallsPerMinute"])

    def decide(self, service: str, target: FaultTarget | None = None) -> FaultDecision:
        with self._lock:
            settings = self._services[service]
            delay = int(settings["latencyMs"])
            wait, dated = float(settings["retryAfterSeconds"]), bool(settings["retryAfterHttpDate"])
            keyed = self._take_keyed(service, target)
            if keyed is not None:
                return FaultDecision("keyed", delay, int(keyed["status"]),
                                     float(keyed.get("retryAfterSeconds", wait if keyed["status"] == 429 else 0)),
                                     dated)
            rng = self._stream(service, target)
            throttle_roll, error_roll = rng.random(), rng.random()
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

    def _stream(self, service: str, target: FaultTarget | None) -> random.Random:
        if self._draws != PER_REQUEST or target is None:
            return self._random[service]
        attempt = self._attempts[target.identity]
        self._attempts[target.identity] += 1
        return random.Random(f"{self._seed}:{'/'.join(target.identity)}:{attempt}")

    def _take_keyed(self, service: str, target: FaultTarget | None) -> dict[str, Any] | None:
        """The keyed fault this request meets, most specific first (its operation, then its service;
        a key it names, then any key), with one of its `times` used up."""
        if target is None or not self._keyed:
            return None
        for aim in filter(None, (target.operation, service)):
            by_key = self._keyed.get(aim) or {}
            for key in sorted(k for k in by_key if k != ANY_KEY and k in target.keys) + [ANY_KEY]:
                fault = by_key.get(key)
                if fault is None or fault.get("times", 1) <= 0:
                    continue
                if "times" in fault:
                    fault["times"] -= 1
                return fault
        return None


def http_date_retry_after(seconds: float, now: float | None = None) -> str:
    """Retry-After as an IMF-fixdate, rounded up to the whole second it names (wall time, like a service)."""
    moment = math.ceil((time.time() if now is None else now) + seconds)
    return email.utils.formatdate(moment, usegmt=True)


def format_retry_after(seconds: float) -> str:
    """Retry-After as the service would write it: 2 stays "2", 2.128 stays "2.128" (Graph does that)."""
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"
