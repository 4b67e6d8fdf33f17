"""The retry half of the HTTP policy: urllib3's Retry with an injected sleep, clock and randomness.

Exponential backoff plus jitter on 408, 425, 429, 500, 502, 503, 504; Retry-After honoured in
(fractional) seconds or as an HTTP date, up to a ceiling above which the call fails instead of waiting.
"""

from __future__ import annotations

import email.utils
import random
import re
import time
from typing import Any, Callable

from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
# A longer Retry-After is not waited out inside one call: the caller gets Throttled(retry_after=...)
# and can wait on a durable timer instead of holding an activity.
RETRY_AFTER_MAX_SECONDS = 60.0
BACKOFF_FACTOR_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 30.0
JITTER_RATIO = 0.5

Sleep = Callable[[float], None]
Clock = Callable[[], float]


class PolicyRetry(Retry):
    """urllib3's Retry with injected sleep, clock and randomness, fractional Retry-After, jitter on
    every backoff (urllib3 retries the first time without waiting), and a ceiling on Retry-After."""

    RETRY_AFTER_STATUS_CODES = frozenset({429, 503})

    def __init__(self, *args: Any, sleep: Sleep = time.sleep, clock: Clock = time.time,
                 rng: Callable[[], float] = random.random,
                 retry_after_ceiling: float = RETRY_AFTER_MAX_SECONDS,
                 before_retry: Callable[[str], None] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._sleep = sleep
        self._clock = clock
        self._rng = rng
        self.retry_after_ceiling = retry_after_ceiling
        self._before_retry = before_retry
        self._url: str | None = None

    def new(self, **kw: Any) -> "PolicyRetry":
        renewed = super().new(**kw)
        renewed._sleep, renewed._clock, renewed._rng = self._sleep, self._clock, self._rng
        renewed.retry_after_ceiling = self.retry_after_ceiling
        renewed._before_retry = self._before_retry
        return renewed

    def sleep(self, response: Any = None) -> None:
        super().sleep(response)
        if self._before_retry is not None and self._url is not None:
            # A retry is one more call to the service: client-side limits must count it too.
            self._before_retry(self._url)

    def parse_retry_after(self, retry_after: str) -> float:
        return parse_retry_after(retry_after, self._clock)

    def get_retry_after(self, response: Any) -> float | None:
        value = response.headers.get("Retry-After")
        if value is None:
            return None
        try:
            return self.parse_retry_after(value)
        except ValueError:
            return None  # unreadable: fall back to our own backoff

    def sleep_for_retry(self, response: Any) -> bool:
        retry_after = self.get_retry_after(response)
        if retry_after:
            self._sleep(retry_after)
            return True
        return False

    def _sleep_backoff(self) -> None:
        backoff = self.get_backoff_time()
        if backoff > 0:
            self._sleep(backoff)

    def get_backoff_time(self) -> float:
        attempts = 0
        for entry in reversed(self.history):
            if entry.redirect_location is not None:
                break
            attempts += 1
        if attempts == 0:
            return 0.0
        base = min(self.backoff_max, self.backoff_factor * 2 ** (attempts - 1))
        return min(self.backoff_max, base * (1 + JITTER_RATIO * self._rng()))

    def increment(self, method: str | None = None, url: str | None = None, response: Any = None,
                  error: Exception | None = None, _pool: Any = None, _stacktrace: Any = None) -> "PolicyRetry":
        if response is not None and not error:
            wait = self.get_retry_after(response)
            if wait is not None and wait > self.retry_after_ceiling:
                raise MaxRetryError(_pool, url, ResponseError(f"Retry-After {wait:g}s is too long to wait"))
        renewed = super().increment(method, url, response, error, _pool, _stacktrace)
        renewed._url = url
        return renewed


def parse_retry_after(value: str, clock: Clock = time.time) -> float:
    """Seconds to wait, from Retry-After as (fractional) seconds or an HTTP date; ValueError otherwise."""
    text = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    parsed = email.utils.parsedate_tz(text)
    if parsed is None:
        raise ValueError(f"unreadable Retry-After: {value!r}")
    return max(0.0, email.utils.mktime_tz(parsed) - clock())
