"""The values every layer compares and writes: GUIDs in Microsoft's several spellings, and the one
timestamp format of the product (ISO 8601 UTC, milliseconds, `Z`).

Pure: domain and services both use it (services map Microsoft's payloads onto these values).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from typing import Any

_GUID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}", re.ASCII)
_FRACTION = re.compile(r"\.(\d+)")


def is_guid(value: Any) -> bool:
    """A GUID with or without dashes (braces are a spelling of Microsoft's payloads, not of callers)."""
    return isinstance(value, str) and bool(_GUID.fullmatch(value))


def normalize_guid(value: Any) -> str:
    """Lower-case dashed form of a GUID written with or without dashes or braces; ValueError otherwise.
    LCS writes ids both with and without dashes, even in one answer."""
    text = str(value).strip().strip("{}")
    if not is_guid(text):
        raise ValueError(f"not a GUID: {value!r}")
    return str(uuid.UUID(text))


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


def same_guid(a: object, b: object) -> bool:
    """Two ids name the same thing, whatever their case, dashes or braces; text that is not a GUID
    never matches anything (an irreversible step must not act on a lookalike)."""
    try:
        return a is not None and b is not None and normalize_guid(a) == normalize_guid(b)
    except ValueError:
        return False


def utc(moment: datetime) -> datetime:
    """The Durable SDK's clock may come with or without a zone; it is always UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def iso(moment: datetime) -> str:
    """The product's timestamp format: `2026-12-01T22:56:40.123Z`."""
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_iso(text: str) -> datetime:
    """A timestamp this product wrote (or any ISO 8601 text with a zone or `Z`), as an aware UTC datetime."""
    return utc(datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text))


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
    moment = utc(moment)
    spec = "microseconds" if moment.microsecond else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"
