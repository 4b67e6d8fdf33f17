"""What the benchmarks share: a private stack in a temporary folder, and small measurements."""

from __future__ import annotations

import contextlib
import signal
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator

from devhost.testing import REPO_ROOT
from harness.recorder import Call
from harness.stack import Stack, start_stack

__all__ = ["REPO_ROOT", "SERVICES", "bench_stack", "longest_chain", "describe", "median", "progress", "say"]

SERVICES = ("entra", "lcs", "bap", "powerplatform", "graph", "dataverse")


@contextlib.contextmanager
def bench_stack(scenario: str | dict[str, Any], **options: Any) -> Iterator[Stack]:
    # A terminated benchmark still stops the devhost and Azurite it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        stack = start_stack(Path(folder), scenario, **options)
        try:
            yield stack
        finally:
            stack.stop()


def longest_chain(calls: Iterable[Call]) -> list[Call]:
    """The longest chain of calls each sent after the previous one was answered: the most intervals
    that do not overlap (greedy by end time is optimal for that)."""
    chain: list[Call] = []
    for call in sorted((c for c in calls if c.finished is not None), key=lambda c: c.finished):
        if not chain or call.started >= chain[-1].finished:
            chain.append(call)
    return chain


def describe(call: Call) -> str:
    """A call in a few words: its service and the last segment of its path (or its token scope)."""
    if call.scope:
        return f"token {call.scope.split('/')[2] if '//' in call.scope else call.scope}"
    last = call.path.rstrip("/").rsplit("/", 1)[-1].split("(")[0]
    return f"{call.service} {last}"


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def say(text: str = "") -> None:
    print(text, flush=True)


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
