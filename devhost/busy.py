"""Counts the work in flight, so that virtual time only jumps when nothing is runnable."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator


class Busy:
    """Named counters (episodes, activities, queue messages, HTTP requests...) plus a change signal."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self.changed = threading.Condition()
        self._last_change = time.monotonic()

    def add(self, kind: str, delta: int = 1) -> None:
        with self.changed:
            value = self._counts.get(kind, 0) + delta
            if value < 0:
                raise RuntimeError(f"busy counter {kind!r} went negative")
            self._counts[kind] = value
            self._last_change = time.monotonic()
            self.changed.notify_all()

    @contextmanager
    def working(self, kind: str) -> Iterator[None]:
        self.add(kind)
        try:
            yield
        finally:
            self.add(kind, -1)

    def snapshot(self) -> dict[str, int]:
        with self.changed:
            return {k: v for k, v in self._counts.items() if v}

    def idle(self) -> bool:
        with self.changed:
            return not any(self._counts.values())

    def quiet_for(self) -> float:
        """Seconds since the last change of any counter."""
        with self.changed:
            return time.monotonic() - self._last_change
