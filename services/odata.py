"""Building OData URLs without letting a value change the query's meaning."""

from __future__ import annotations

from typing import Mapping
from urllib.parse import quote, urlencode


def literal(value: str) -> str:
    """An OData string literal: quoted, with single quotes doubled (o'brien -> 'o''brien')."""
    return "'" + str(value).replace("'", "''") + "'"


def segment(value: str) -> str:
    """One URL path segment, every reserved character encoded (a UPN's '@', '#' or '/' included)."""
    return quote(str(value), safe="")


def with_query(url: str, params: Mapping[str, object] | None) -> str:
    """Append a query string; spaces become %20 and '+' becomes %2B (a '+' in a form-encoded
    query would reach OData as a space)."""
    if not params:
        return url
    query = urlencode({k: str(v) for k, v in params.items()}, quote_via=quote, safe="$,()")
    return f"{url}{'&' if '?' in url else '?'}{query}"
