"""Queue message text on the wire. host.json sets `messageEncoding: none`, so the Functions host
hands every message to the app as it is (a message that is not base64 would otherwise fail in the
host, five times, and be parked without a reason) and writes outputs as the app gives them. The
documented contract stays base64: the app decodes base64 messages itself and encodes what it
sends, so producers and consumers see the same bytes as before.
"""

from __future__ import annotations

import base64
import binascii


def encode_message(text: str) -> str:
    """What the app writes to a queue: base64 of the UTF-8 text (the Functions default encoding)."""
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def decode_message(body: bytes) -> bytes:
    """The message's bytes, base64 undone when it is base64. A JSON object or array can't be base64
    (`{` and `[` are not in its alphabet), so a message that starts like one is JSON as sent; any
    other text that is not strict base64 is taken as sent too, and refused as JSON if it is none."""
    if body.lstrip()[:1] in (b"{", b"["):
        return body
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return body
