"""Fleet page and `cli list` with 500 runs: the time to render them from the list's items.

    .venv/bin/python -m bench.fleet [--runs 500] [--repeat 20]

Only the rendering is measured (what the app and the CLI add to `GET /api/links`): reading the
list itself is the task hub's work, and it never loads full status documents.
"""
from __future__ import annotations

import argparse
import io
import time

from rich.console import Console

from bench.common import median, say
from cli.reports import links_view
from cli.views import print_view
from domain.fleet import fleet
from harness.fleet import FLEET_NOW, fleet_items
from webui.fleet_page import render_fleet_page


def timed(action, repeat: int) -> float:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    return median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=20)
    options = parser.parse_args()
    items = fleet_items(options.runs)
    page = render_fleet_page(items, phase=None, now=FLEET_NOW)
    html_all = timed(lambda: render_fleet_page(items, phase=None, now=FLEET_NOW), options.repeat)
    html_one = timed(lambda: render_fleet_page(items, phase="AwaitingConfirmation", now=FLEET_NOW), options.repeat)

    def cli_list() -> None:
        print_view(Console(file=io.StringIO(), width=120, color_system=None), links_view(fleet(items), FLEET_NOW))
    terminal = timed(cli_list, max(3, options.repeat // 4))
    say(f"fleet page, {options.runs} runs: {html_all * 1000:.1f} ms to render ({len(page) // 1024} KiB), "
        f"filtered to one phase {html_one * 1000:.1f} ms")
    say(f"cli list, {options.runs} runs at 120 columns: {terminal * 1000:.0f} ms to render")


if __name__ == "__main__":
    main()
