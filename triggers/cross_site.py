"""Requests another site made a browser send: refused before anything is read or recorded.

In Azure the review page and the API share an origin and Easy Auth's session cookie, so a page on
another site could make a signed-in operator's browser post a confirmation. Browsers say where a
request comes from (Sec-Fetch-Site; Origin on every cross-origin POST; Referer), and a page can set
none of these itself. A request that carries no cookie rides on no one's session: whatever it does,
its sender could do with its own credentials, so callers such as `python -m cli` or another system
(no cookie, no fetch metadata) are not asked for proof.
"""

from __future__ import annotations

from typing import Mapping
from urllib.parse import urlsplit

import azure.functions as func

# "none": the user typed or bookmarked the URL; a page can't make a browser say so.
_OWN_FETCH_SITES = frozenset({"same-origin", "none"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def cross_site_refusal(req: func.HttpRequest, public_base_url: str | None, *, form: bool = False) -> str | None:
    """Why `req` must be refused as cross-site, or None. `form`: the route only a browser posts to,
    which therefore always needs proof of its origin."""
    headers = req.headers
    site = (_header(headers, "sec-fetch-site") or "").strip().lower() or None
    if site is not None and site not in _OWN_FETCH_SITES:
        return f"the browser says the request comes from a {site} page (Sec-Fetch-Site)"
    own = {_site_of(req.url), _site_of(public_base_url)} - {None}
    origin = _header(headers, "origin")
    if origin is not None:
        return None if _site_of(origin) in own else "the request comes from another origin (Origin)"
    referer = _header(headers, "referer")
    if referer:
        return None if _site_of(referer) in own else "the request comes from another site's page (Referer)"
    if site is None and (form or _header(headers, "cookie")):
        return "nothing shows the request comes from this app's own pages (no Sec-Fetch-Site, Origin or Referer)"
    return None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def _site_of(url: str | None) -> tuple[str, int] | None:
    """Host and port of a URL; None for `null`, relative or broken URLs. The scheme is left out on
    purpose: behind Azure's front ends the app may see http for a page the browser loaded over https."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return None
    if not parts.hostname or parts.scheme.lower() not in _DEFAULT_PORTS:
        return None
    return parts.hostname.lower(), 443 if port in (80, 443) else port
