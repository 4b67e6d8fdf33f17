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
from tests.reliability.stack import Call, Stack, start_stack

__all__ = ["REPO_ROOT", "SERVICES", "bench_stack", "call_depth", "median", "progress", "say"]

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


def call_depth(calls: Iterable[Call]) -> int:
    """The longest chain of calls each sent after the previous one was answered: the most intervals
    that do not overlap (greedy by end time is optimal for that)."""
    depth, free_at = 0, float("-inf")
    for call in sorted((c for c in calls if c.finished is not None), key=lambda c: c.finished):
        if call.started >= free_at:
            depth, free_at = depth + 1, call.finished
    return depth


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def say(text: str = "") -> None:
    print(text, flush=True)


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
