"""JSON as this app accepts it from outside: one strict decoder for request bodies, queue messages
and Easy Auth principals alike.

Python's json module is lenient where a hostile sender can exploit it: it takes a UTF-8 BOM and
guesses UTF-16 or UTF-32 from bytes, keeps the last of two equal keys (so `operator` can say two
things at once), and recurses once per nesting level (a few thousand `[` raise RecursionError, not
ValueError). Every refusal here is a JsonRefused, which each caller maps to its own answer.
"""

from __future__ import annotations

import json
import re
from typing import Any

# None of the documents this app reads nests deeper than 3; 32 leaves room and keeps the decoder
# (and any later json.dumps of the value) far from the interpreter's recursion limit.
MAX_DEPTH = 32
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# A JSON string, unrolled ("normal* (special normal*)*") so that it never backtracks.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


class JsonRefused(ValueError):
    """The text is not JSON this app accepts; `reason` says why, in words a caller can show."""

    def __init__(self, reason: str, key: str | None = None):
        self.reason = reason
        self.key = key  # the duplicated key, when that is the reason
        super().__init__(reason)


def decode_json(raw: bytes | str, *, max_bytes: int | None = None, max_depth: int = MAX_DEPTH) -> Any:
    """The value of a JSON text in UTF-8 (bytes) or already decoded (str); JsonRefused otherwise."""
    if isinstance(raw, bytes):
        if max_bytes is not None and len(raw) > max_bytes:
            raise JsonRefused(f"is larger than {max_bytes // 1024} KiB")
        if raw.startswith(_BOMS):
            raise JsonRefused("starts with a byte order mark (send UTF-8 without one)")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise JsonRefused("is not UTF-8") from None
    else:
        text = raw
        if text.startswith("\ufeff"):
            raise JsonRefused("starts with a byte order mark (send UTF-8 without one)")
    if _nests_deeper_than(text, max_depth):
        raise JsonRefused(f"nests deeper than {max_depth} levels")
    try:
        return json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except JsonRefused:
        raise
    except (ValueError, RecursionError):
        raise JsonRefused("is not JSON") from None


def _nests_deeper_than(text: str, max_depth: int) -> bool:
    """Whether brackets outside strings nest deeper than `max_depth` (an overestimate for broken
    text, which json would refuse anyway)."""
    depth = 0
    for bracket in _NOT_BRACKETS.sub("", _STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > max_depth:
            return True
    return False


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise JsonRefused("is there twice", key=key[:64])
        document[key] = value
    return document
