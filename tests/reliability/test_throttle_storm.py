"""Throttle storm: 30 % of the calls to every service (Entra included) answer 429 with Retry-After
and 10 % answer 503. Every link must still complete, and no request to a service may be sent again
before the Retry-After its previous attempt was given.

A request is identified by its method, path, query and (for token requests) scope; links run one
after another, so within the five services a second request with the same identity while a
Retry-After runs can only be a retry of the throttled one. (Entra is left out of that check: two
activities starting at once ask for the same token at the same moment, and such twins cannot be
told from a retry.) Time between two attempts counts wall time plus any virtual time the host
jumped meanwhile (a durable timer waiting out a long Retry-After moves the virtual clock).

Fates are drawn per request and attempt (the sandbox's `faults.draws: perRequest`), so the storm is
the same on every run with the same seed, whatever the interleaving of parallel calls.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

import pytest

from harness.recorder import Call
from harness.scenarios import link_targets, many_links, storm
from harness.stack import drive_to_the_end

LINKS = 6
SLACK_SECONDS = 0.005  # timestamps are taken in the sandbox's request thread, not on the wire


def sandbox_seconds(call: Call) -> float:
    return datetime.fromisoformat(call.sandbox_at.replace("Z", "+00:00")).timestamp()


def early_retries(calls: list[Call]) -> list[tuple[Call, Call, float]]:
    """(throttled call, next attempt, seconds waited) for every attempt sent before its Retry-After."""
    by_key: dict[tuple, list[Call]] = defaultdict(list)
    for call in sorted((c for c in calls if c.service != "entra"), key=lambda c: c.started):
        by_key[call.key].append(call)
    early = []
    for attempts in by_key.values():
        for throttled, following in zip(attempts, attempts[1:]):
            if throttled.status != 429 or throttled.retry_after is None:
                continue
            waited = (following.started - throttled.finished) + (sandbox_seconds(following) - sandbox_seconds(throttled))
            if waited < throttled.retry_after - SLACK_SECONDS:
                early.append((throttled, following, waited))
    return early


@dataclass(frozen=True)
class StormRun:
    statuses: dict[str, dict]
    setup_starts: dict[str, int]
    calls: list[Call]


@pytest.fixture(scope="module")
def storm_run(make_stack, seed: int) -> StormRun:
    """LINKS links, one after another, through the storm."""
    # The sandbox's LCS metadata limit stays on: one metadata call per project is far below it.
    scenario = many_links(LINKS, project_per_link=True, duration_minutes=10, faults=storm(seed))
    stack = make_stack(scenario, sandbox_limit=None)
    stack.recorder.clear()
    statuses = {link.lcs_environment: drive_to_the_end(stack, link, timeout=120)
                for link in link_targets(LINKS, project_per_link=True)}
    calls = stack.recorder.snapshot()
    answered = Counter(c.status for c in calls)
    print(f"seed {seed}: {len(calls)} calls, {answered[429]} answered 429 and {answered[503]} answered 503; "
          f"phases {Counter(s['phase'] for s in statuses.values())}")
    return StormRun(statuses, stack.sandbox.setup_starts(), calls)


def test_no_request_is_sent_before_its_retry_after(storm_run: StormRun):
    calls = storm_run.calls
    answered = Counter(c.status for c in calls)
    assert answered[429] > 0.2 * len(calls) and answered[503] > 0.05 * len(calls), answered
    early = early_retries(calls)
    assert not early, [f"{t.method} {t.path} was sent again {w:.3f}s after a {t.retry_after:g}s Retry-After"
                       for t, _, w in early]


def test_every_run_ends_and_starts_setup_at_most_once(storm_run: StormRun):
    for environment, status in storm_run.statuses.items():
        assert status["runtimeStatus"] == "Completed", status
        assert storm_run.setup_starts.get(environment, 0) <= 1
        reached = {step["phase"] for step in status["timeline"]}
        if storm_run.setup_starts.get(environment):
            assert "StartingSetup" in reached and status["confirmation"]["confirmedAt"], status["timeline"]


def test_every_link_completes(storm_run: StormRun):
    not_linked = {env: (s["phase"], (s.get("outcome") or {}).get("message"),
                        [c["detail"] for c in s["checks"] if c["outcome"] == "error"])
                  for env, s in storm_run.statuses.items() if s["phase"] != "Linked"}
    assert not not_linked, not_linked
    assert set(storm_run.setup_starts.values()) == {1} and len(storm_run.setup_starts) == LINKS
