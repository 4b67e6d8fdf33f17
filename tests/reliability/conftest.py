"""Each reliability module gets a stack of its own (sandbox, Azurite, devhost): killing, flooding or
re-configuring the host there never disturbs the session's shared fixtures."""

from __future__ import annotations

import os
from typing import Any, Callable, Iterator

import pytest

from harness.stack import Stack, start_stack

# One seed for every random choice of the suite; set RELIABILITY_SEED to replay a run.
SEED = int(os.environ.get("RELIABILITY_SEED", "7001"))


def pytest_report_header(config: pytest.Config) -> str:
    return f"reliability seed: {SEED} (RELIABILITY_SEED)"


@pytest.fixture(scope="module")
def make_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Stack]]:
    stacks: list[Stack] = []

    def make(scenario: str | dict[str, Any] = "happy-path", **options: Any) -> Stack:
        stack = start_stack(tmp_path_factory.mktemp("stack"), scenario, **options)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop()


@pytest.fixture(scope="module")
def seed() -> int:
    print(f"reliability seed: {SEED}")
    return SEED
