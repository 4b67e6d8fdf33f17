"""The sandbox clock: wall time until someone sets it, then a manual clock that only moves forward.

Provisioning phases and LCS's per-minute limit follow this clock, so devhost (which runs
orchestrations on virtual time) can share it and a 75-minute provisioning can finish at once.
Tokens do not follow it: msal and azure-identity judge expiry by wall time.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


class ClockWentBackwards(ValueError):
    """Raised when a caller tries to set the manual clock earlier than it already is."""


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def to_iso(moment: datetime) -> str:
    """ISO 8601 UTC with a trailing Z, to the microsecond when there is one."""
    text = moment.astimezone(timezone.utc).isoformat()
    return text.replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no time zone")
    return moment.astimezone(timezone.utc)


class SandboxClock:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._manual: datetime | None = None
        # The latest moment anyone was told: "never backwards" means never before this.
        self._told = datetime.min.replace(tzinfo=timezone.utc)

    @property
    def mode(self) -> str:
        return "real" if self._manual is None else "manual"

    def now(self) -> datetime:
        with self._lock:
            return self._tell(self._manual if self._manual is not None else utc_now())

    def _tell(self, moment: datetime) -> datetime:
        self._told = max(self._told, moment)
        return moment

    def set(self, moment: datetime) -> datetime:
        """Switch to manual time at `moment`; refuses a moment before one already told to a caller.

        In real mode that allows a moment a little before wall time (devhost starting its virtual
        clock at "now" and telling the sandbox a few milliseconds later) unless a call came between.
        """
        if moment.tzinfo is None:
            raise ValueError("the clock needs a time zone aware datetime")
        with self._lock:
            if moment < self._told:
                raise ClockWentBackwards(
                    f"the sandbox clock already reached {to_iso(self._told)} and does not move backwards to {to_iso(moment)}"
                )
            self._manual = moment.astimezone(timezone.utc)
            return self._tell(self._manual)

    def advance(self, seconds: float) -> datetime:
        """Move forward by `seconds` (switching to manual time if the clock was real)."""
        if seconds < 0:
            raise ClockWentBackwards("the sandbox clock does not move backwards")
        with self._lock:
            current = self._manual if self._manual is not None else max(utc_now(), self._told)
            self._manual = current + timedelta(seconds=seconds)
            return self._tell(self._manual)

    def snapshot(self) -> dict:
        return {"now": to_iso(self.now()), "mode": self.mode}

