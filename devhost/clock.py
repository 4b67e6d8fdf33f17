"""The host clock: real time, or virtual time that only moves when devhost jumps it.

Virtual time is frozen while anything is runnable and jumps to the next due
timer when nothing is (see Scheduler). Freezing, rather than letting it run
with the wall clock, keeps timestamps and timer order reproducible in tests.
"""
from __future__ import annotations

import threading
from datetime import datetime
from typing import Callable

from .timeutil import utcnow


class Clock:
    def __init__(self, virtual: bool = False, start: datetime | None = None) -> None:
        self.virtual = virtual
        self._lock = threading.Lock()
        self._now = start or utcnow()
        self._held = False
        self._listeners: list[Callable[[datetime], None]] = []

    def now(self) -> datetime:
        if not self.virtual:
            return utcnow()
        with self._lock:
            return self._now

    def on_move(self, listener: Callable[[datetime], None]) -> None:
        """Called (outside the lock) after the virtual clock moved, before timers are released."""
        self._listeners.append(listener)

    def advance_to(self, moment: datetime) -> bool:
        """Move virtual time forward to ``moment``; never backwards. Returns whether it moved."""
        if not self.virtual:
            raise RuntimeError("the clock is real time; start devhost with --virtual-time")
        with self._lock:
            if moment <= self._now:
                return False
            self._now = moment
        for listener in self._listeners:
            listener(moment)
        return True

    @property
    def held(self) -> bool:
        with self._lock:
            return self._held

    def hold(self) -> None:
        with self._lock:
            self._held = True

    def release(self) -> None:
        with self._lock:
            self._held = False
