"""The fleet page: every link run on one page, with counts per phase, a phase filter, each run's
age and next step, and a link to its review page. It refreshes itself at the same address, so
the filter stays."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Mapping
from urllib.parse import urlencode

from domain.environments import admin_center_url
from domain.phases import ALL_PHASES
from domain.values import iso
from domain.fleet import Fleet, age, counts_text, fleet, next_step
from webui.html import href, link, mapping, page, refresh_bar, text, time_element

FLEET_REFRESH_SECONDS = 10


def render_fleet_page(items: Iterable[Mapping[str, Any]], *, phase: str | None, now: datetime,
                      refresh: int | None = FLEET_REFRESH_SECONDS) -> str:
    view = fleet(items, phase)
    content = "".join((refresh_bar(refresh, "to show new runs and phases"), _counts(view), _filter(view),
                       _table(view, now)))
    title = f"Link runs: {phase}" if phase else "Link runs"
    footer = f"<p>Shown at {time_element(iso(now))}.</p>"
    return page(title, title, content, refresh=refresh, footer=footer, wide=True)


def _filter_url(phase: str | None) -> str:
    return "?" + urlencode({"phase": phase}) if phase else "?"


def _counts(view: Fleet) -> str:
    entries = [(None, f"All runs ({view.total})")] + [(p, f"{p} ({n})") for p, n in view.counts.items()]
    if view.phase and view.phase not in view.counts:
        entries.append((view.phase, f"{view.phase} (0)"))
    current = ' aria-current="page"'
    items = "".join(f'<li><a href="{text(_filter_url(phase))}"{current if phase == view.phase else ""}>'
                    f"{text(label)}</a></li>" for phase, label in entries)
    return (
        '<section aria-labelledby="h-counts"><h2 id="h-counts">Runs by phase</h2>'
        f'<p id="counts-summary">{text(counts_text(view))}</p>'
        f'<nav aria-labelledby="h-counts"><ul class="counts">{items}</ul></nav></section>\n'
    )


def _filter(view: Fleet) -> str:
    options = ['<option value="">All phases</option>'] + [
        f'<option value="{text(p)}"{" selected" if p == view.phase else ""}>{text(p)} ({view.counts.get(p, 0)})</option>'
        for p in ALL_PHASES]
    return (
        '<form class="filter" method="get">'
        '<label for="phase-filter">Show runs in phase</label> '
        f'<select id="phase-filter" name="phase">{"".join(options)}</select> '
        '<button type="submit" class="secondary">Show</button></form>\n'
    )


def _table(view: Fleet, now: datetime) -> str:
    if not view.items:
        what = f"in phase {view.phase}" if view.phase else "yet"
        return f'<section aria-labelledby="h-runs"><h2 id="h-runs">Runs</h2><p>No runs {text(what)}.</p></section>\n'
    rows = "".join(_row(item, now) for item in view.items)
    caption = f"{len(view.items)} of {view.total} runs" + (f", phase {view.phase}" if view.phase else "")
    return (
        '<section aria-labelledby="h-runs"><h2 id="h-runs">Runs</h2><div class="scroll">'
        f'<table class="fleet"><caption>{text(caption)}, newest first</caption>'
        '<thead><tr><th scope="col">Run</th><th scope="col">Phase</th><th scope="col">Operator</th>'
        '<th scope="col">Target environment</th><th scope="col">Age</th>'
        '<th scope="col">Next step</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div></section>\n"
    )


def _row(item: Mapping[str, Any], now: datetime) -> str:
    instance_id = item.get("instanceId") or ""
    review = mapping(item.get("links")).get("review")
    run = (f'<a href="{href(review)}">{text(instance_id)}</a>' if href(review) else text(instance_id))
    target_id = item.get("powerPlatformEnvironmentId")
    # The id itself links to the environment's page in the Power Platform admin center.
    target = f'<code>{link(admin_center_url(target_id), target_id)}</code>' if target_id else ""
    created = item.get("createdTime")
    when = f'<span title="created {text(created)}">{text(age(created, now))}</span>' if created else ""
    return (
        f'<tr data-instance-id="{text(instance_id)}" data-phase="{text(item.get("phase"))}">'
        f'<th scope="row">{run}</th><td>{text(item.get("phase"))}</td><td>{text(item.get("operator"))}</td>'
        f"<td>{target}</td><td>{when}</td><td>{text(next_step(item))}</td></tr>"
    )
