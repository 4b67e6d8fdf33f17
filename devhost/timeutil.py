"""Timestamps and durations in the formats the Functions host and Durable use."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

EVENT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # history events; also sortable as text in SQLite
STATUS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # createdTime / lastUpdatedTime of the status API

_TIMESPAN = re.compile(
    r"^(?P<neg>-)?(?:(?P<days>\d+)\.)?(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.(?P<frac>\d{1,7}))?)?$"
)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def fmt_event(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(EVENT_FORMAT)


def fmt_status(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(STATUS_FORMAT)


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 timestamp; naive values are taken as UTC (as .NET does for query strings)."""
    value = text.strip()
    if value.endswith("Z") or value.endswith("z"):
        value = value[:-1] + "+00:00"
    # .NET and the SDK may send 7 fractional digits; Python accepts at most 6.
    match = re.match(r"^(.*\.\d{6})\d+(.*)$", value)
    if match:
        value = match.group(1) + match.group(2)
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def parse_timespan(value: object) -> timedelta:
    """A host.json duration: .NET TimeSpan text ("00:00:30", "1.00:00:00") or milliseconds."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, (int, float)):
        return timedelta(milliseconds=value)
    match = _TIMESPAN.match(str(value).strip())
    if not match:
        raise ValueError(f"not a TimeSpan: {value!r}")
    frac = match.group("frac") or ""
    span = timedelta(
        days=int(match.group("days") or 0),
        hours=int(match.group("h")),
        minutes=int(match.group("m")),
        seconds=int(match.group("s") or 0),
        microseconds=int((frac + "000000")[:6]) if frac else 0,
    )
    return -span if match.group("neg") else span


def fmt_timespan(span: timedelta) -> str:
    """.NET TimeSpan "c" format, which the Python SDK parses for timer settings."""
    total = int(span.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    head = f"{days}." if days else ""
    return f"{head}{hours:02d}:{minutes:02d}:{seconds:02d}"
