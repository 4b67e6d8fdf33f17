"""Polling a run's status until something happens: the next phase, a verdict, or the end."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from cli.client import LinkApi

Status = dict[str, Any]


class FollowTimeout(Exception):
    """The caller's --timeout elapsed; `status` is the last one seen."""

    def __init__(self, status: Status):
        super().__init__(f"still {status.get('phase')} when the time allowed ran out")
        self.status = status


@dataclass
class Follower:
    api: LinkApi
    interval: float
    timeout: float | None  # seconds for the whole command; None waits as long as it takes
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    _deadline: float | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._deadline = self.clock() + self.timeout if self.timeout else None

    def until(self, instance_id: str, done: Callable[[Status], bool],
              on_status: Callable[[Status], None] = lambda status: None) -> Status:
        """Polls until `done(status)`; every status seen goes to `on_status` first."""
        while True:
            status = self.api.status(instance_id)
            on_status(status)
            if done(status):
                return status
            if self._deadline is not None and self.clock() + self.interval > self._deadline:
                raise FollowTimeout(status)
            self.sleep(self.interval)
