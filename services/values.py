"""Normalizing the values Microsoft's payloads carry in several spellings."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")


def normalize_guid(value: str) -> str:
    """Lower-case dashed form of a GUID written with or without dashes or braces; ValueError otherwise."""
    text = str(value).strip().strip("{}")
    if len(text) == 36 and text.count("-") == 4 or _HEX32.match(text):
        try:
            return str(uuid.UUID(text))
        except ValueError:
            pass
    raise ValueError(f"not a GUID: {value!r}")


def guid_or_text(value: object) -> str | None:
    """A GUID normalized when it is one; any other text kept as it came (published examples hold
    tenant ids such as "123" and "72ad15fq-3m88-..." that are not GUIDs)."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        return normalize_guid(text)
    except ValueError:
        return text


def same_guid(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and guid_or_text(a).lower() == guid_or_text(b).lower()


_FRACTION = re.compile(r"\.(\d+)")


def iso_utc(value: object) -> str | None:
    """ISO 8601 UTC with `Z`, from Microsoft's spellings: with or without zone (no zone = UTC, as in
    LCS), with up to seven decimals. Text that is no timestamp is kept as it came, rather than lost."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    candidate = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), text)
    candidate = candidate[:-1] + "+00:00" if candidate.endswith(("Z", "z")) else candidate
    try:
        moment = datetime.fromisoformat(candidate)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    spec = "microseconds" if moment.microsecond else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"
