"""When to look at provisioning again.

Provisioning is documented to take 60-90 minutes. Polling at a fixed short interval wastes calls
(about 225 at 20 s for 75 minutes); plain exponential backoff detects the end late. The schedule is
shaped by what is known instead: two early looks to catch early failures, a look every 5 minutes
until the expected window, every 2 minutes inside it, and every 5 minutes after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterator


@dataclass(frozen=True)
class PollStage:
    until_minutes: float | None  # None: until the deadline
    every_minutes: float


DEFAULT_SCHEDULE: tuple[PollStage, ...] = (
    PollStage(5, 2.5), PollStage(55, 5), PollStage(90, 2), PollStage(None, 5),
)


def schedule_from_json(data: list[dict[str, Any]] | None) -> tuple[PollStage, ...]:
    if not data:
        return DEFAULT_SCHEDULE
    stages = tuple(PollStage(d.get("untilMinutes"), float(d["everyMinutes"])) for d in data)
    if any(s.every_minutes <= 0 for s in stages) or stages[-1].until_minutes is not None:
        raise ValueError("every stage needs everyMinutes > 0, and the last stage must have no untilMinutes")
    return stages


def schedule_to_json(schedule: tuple[PollStage, ...]) -> list[dict[str, Any]]:
    return [{"untilMinutes": s.until_minutes, "everyMinutes": s.every_minutes} for s in schedule]


def _offsets(schedule: tuple[PollStage, ...]) -> Iterator[float]:
    offset = 0.0
    for stage in schedule:
        while stage.until_minutes is None or offset < stage.until_minutes:
            offset += stage.every_minutes
            if stage.until_minutes is not None:
                offset = min(offset, stage.until_minutes)
            yield offset


def next_poll_at(started_at: datetime, now: datetime, deadline: datetime,
                 schedule: tuple[PollStage, ...] = DEFAULT_SCHEDULE, retry_after_seconds: float | None = None) -> datetime:
    """The next scheduled look strictly after `now`, no sooner than the service asked, never past the deadline."""
    elapsed_minutes = (now - started_at).total_seconds() / 60
    due = next(started_at + timedelta(minutes=m) for m in _offsets(schedule) if m > elapsed_minutes + 1e-9)
    if retry_after_seconds:
        due = max(due, now + timedelta(seconds=retry_after_seconds))
    return min(due, deadline)
