"""What the operator pages have in common: escaping, times, links, environments, the page frame.

Every value from a status document is untrusted text: it goes through `text` (or `href` for a link
target), and markup is only ever built from literals.
"""
from __future__ import annotations

import html
from typing import Any, Mapping
from urllib.parse import urlsplit

from webui.assets import CONTENT_SECURITY_POLICY, SCRIPT, STYLE
from domain.run_progress import readable_time

_SEPARATOR = " \u00b7 "
EYEBROW = "Link a finance and operations environment to an existing Dataverse environment"


def text(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def time_element(value: Any) -> str:
    """A <time> element with a readable UTC rendering; unparseable values are shown as given."""
    if not value:
        return ""
    shown = readable_time(value)
    if shown == str(value):
        return text(shown)
    return f'<time datetime="{text(value)}">{text(shown)}</time>'


def href(url: Any) -> str | None:
    """`url` escaped for an href when it is an absolute http(s) address, else None: a value read
    from a service must never become a javascript: link."""
    if not isinstance(url, str):
        return None
    parts = urlsplit(url)
    return text(url) if parts.scheme in ("https", "http") and parts.netloc else None


def link(url: Any, label: str) -> str:
    target = href(url)
    return f'<a href="{target}" rel="noreferrer">{text(label)}</a>' if target else ""


def environment_html(environment: Mapping[str, Any], *, admin_label: str = "Power Platform admin center",
                     links_only: bool = False) -> str:
    """Name first, then the id in full, then where to manage it (admin page, Dataverse URL)."""
    name = environment.get("displayName") or environment.get("name")
    env_id = environment.get("id")
    parts = [f'<span class="env-name">{text(name)}</span>' if name else ""]
    if env_id:
        parts.append(f'(<code class="env-id">{text(env_id)}</code>)' if name else f'<code class="env-id">{text(env_id)}</code>')
    links = []
    dataverse = environment.get("dataverseUrl")
    if dataverse:
        links.append(f"Dataverse {link(dataverse, dataverse) or text(dataverse)}")
    admin = environment.get("adminUrl") or environment.get("lcsUrl")
    if href(admin):
        label = "Lifecycle Services" if environment.get("lcsUrl") else admin_label
        links.append(link(admin, f"Open {name or env_id} in {label}"))
    if links_only:
        return f'<span class="env-links">{_SEPARATOR.join(links)}</span>' if links else ""
    if links:
        parts.append(f'<span class="env-links">{_SEPARATOR.join(links)}</span>')
    return " ".join(part for part in parts if part) or "an unnamed environment"


def page(title: str, heading: str, content: str, *, refresh: int | None = None,
         subheading: str = "", footer: str = "", wide: bool = False) -> str:
    """A complete page. With `refresh`, it reloads itself (the same address, so its filters stay)
    unless the reader pauses it; without JavaScript a <noscript> meta refresh does the same."""
    head_refresh = f'<noscript><meta http-equiv="refresh" content="{refresh}"></noscript>' if refresh else ""
    body_attr = (' class="wide"' if wide else "") + (f' data-refresh-seconds="{refresh}"' if refresh else "")
    script = f"<script>{SCRIPT}</script>" if refresh else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{text(CONTENT_SECURITY_POLICY)}">\n'
        '<meta name="referrer" content="same-origin">\n'
        f"{head_refresh}"
        f"<title>{text(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body{body_attr}>\n"
        '<a class="skip" href="#main">Skip to content</a>\n'
        f'<header><p class="eyebrow">{text(EYEBROW)}</p><h1>{text(heading)}</h1>{subheading}</header>\n'
        f'<main id="main">\n{content}\n</main>\n'
        f"<footer>{footer}</footer>\n"
        f"{script}</body>\n</html>\n"
    )


def refresh_bar(refresh: int | None, what: str) -> str:
    if not refresh:
        return ""
    return (
        '<p class="refresh">This page refreshes itself every '
        f"{refresh} second{'s' if refresh != 1 else ''} {text(what)}. "
        '<a href="">Refresh now</a>. '
        '<input type="checkbox" id="pause-refresh"> '
        '<label for="pause-refresh">Pause automatic refresh</label></p>\n'
    )
