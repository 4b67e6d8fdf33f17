"""Polling cost: status calls and detection delay of the real orchestration, in virtual time, for
provisionings of several lengths, under the shipped schedule and two baselines.

    .venv/bin/python -m bench.polling [--minutes 10,45,60,75,90,150]

Each run is a real link (lcs-api mode) on devhost in virtual time, with the sandbox's provisioning
set to the given length. "Calls" are the provisioning status reads the orchestration made (the
LCS integration reads after the setup call, from the sandbox's side). "Delay" is the time from the
sandbox finishing (its CompletedOnUtc) to the orchestration noticing (its Verifying phase), both
on the shared virtual clock. Each length is run twice: ending exactly at X minutes (which for most
schedules is the moment of a look, the best case) and one second later (just after that look, the
worst case near X).

Baselines, run through the same orchestration with LINK_POLL_SCHEDULE:
- fixed: a look every 20 seconds;
- exponential: 20 s, then doubling (40, 80, 160 s), capped at 5 minutes.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta

from bench.common import bench_stack, progress, say
from domain.polling import DEFAULT_SCHEDULE, schedule_to_json
from harness.scenarios import link_targets, many_links
from harness.stack import Stack, confirm, wait_finished, wait_phase

SCHEDULES = {
    "shipped": schedule_to_json(DEFAULT_SCHEDULE),
    "fixed 20 s": [{"untilMinutes": None, "everyMinutes": 1 / 3}],
    "exponential": [{"untilMinutes": 1 / 3, "everyMinutes": 1 / 3}, {"untilMinutes": 1, "everyMinutes": 2 / 3},
                     {"untilMinutes": 7 / 3, "everyMinutes": 4 / 3}, {"untilMinutes": 5, "everyMinutes": 8 / 3},
                     {"untilMinutes": None, "everyMinutes": 5}],
}


def parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def align_clocks(stack: Stack) -> None:
    """Move the virtual clock to a whole millisecond: orchestrations keep milliseconds, the sandbox
    microseconds, and a run anchored a fraction of a millisecond early would miss a look it should see."""
    now = parse(stack.host.clock()["now"]) + timedelta(seconds=1)
    stack.host.advance_clock(to=now.replace(microsecond=now.microsecond // 1000 * 1000).isoformat())


def run_link(stack: Stack, index: int, count: int, minutes: float) -> tuple[int, float, str]:
    """One link with a provisioning of `minutes`: (status calls, detection delay in minutes, phase)."""
    link = link_targets(count, project_per_link=True)[index]
    stack.sandbox.load_scenario(many_links(count, project_per_link=True, duration_minutes=minutes))
    stack.sandbox.set_faults({"lcs": {"metadataCallsPerMinute": 0}})
    stack.host.hold_clock()
    assert stack.host.post("/api/links", link.request()).status == 202
    wait_phase(stack.host, link.instance_id, "AwaitingConfirmation")
    assert confirm(stack.host, link.instance_id).status == 202
    stack.recorder.clear()
    stack.host.release_clock()
    status = wait_finished(stack.host, link.instance_id, timeout=600)
    integration = stack.sandbox.sandbox.world.runs_snapshot(stack.sandbox.clock.now())[link.lcs_environment]
    noticed = next(step["at"] for step in status["timeline"] if step["phase"] in ("Verifying", "ProvisioningTimedOut"))
    delay = (parse(noticed) - parse(integration["CompletedOnUtc"])).total_seconds() / 60
    calls = [c for c in stack.recorder.snapshot() if c.service == "lcs" and c.method == "GET"
             and "/powerplatformintegration/" in c.path]
    # The first read belongs to the setup activity (it reads the state before it acts).
    return len(calls) - 1, delay, status["phase"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", default="10,45,60,75,90,150")
    args = parser.parse_args()
    durations = [float(m) for m in args.minutes.split(",")]
    endings = [(m, offset) for m in durations for offset in (0.0, 1 / 60)]
    count = len(endings) * len(SCHEDULES)
    results: dict[str, dict[tuple[float, float], tuple[int, float, str]]] = {}
    with bench_stack(many_links(count, project_per_link=True)) as stack:
        for s, (name, schedule) in enumerate(SCHEDULES.items()):
            stack.host.env["LINK_POLL_SCHEDULE"] = json.dumps(schedule)
            stack.host.restart()
            align_clocks(stack)
            results[name] = {}
            for e, (minutes, offset) in enumerate(endings):
                progress(f"{name}: provisioning of {minutes + offset:g} minutes")
                results[name][minutes, offset] = run_link(stack, s * len(endings) + e, count, minutes + offset)
    for name, rows in results.items():
        phases = {phase for _, _, phase in rows.values()}
        assert phases == {"Linked"}, f"{name}: {phases}"

    say("polling: status calls / detection delay in minutes (virtual time); provisioning ending at X min, "
        "and 1 s after X")
    say("  schedule     " + "".join(f"{m:>13g} min" for m in durations))
    for name, rows in results.items():
        for offset, label in ((0.0, "at X"), (1 / 60, "X + 1 s")):
            say(f"  {name:<12} " + "".join(f"{rows[m, offset][0]:>9d} / {rows[m, offset][1]:3.1f}" for m in durations)
                + f"   ({label})")
    shipped = results["shipped"]
    window = [delay for (m, offset), (_, delay, _) in shipped.items() if 60 <= m + offset <= 90]
    outside = [delay for (m, offset), (_, delay, _) in shipped.items() if not 60 <= m + offset <= 90]
    say(f"  goals (shipped): calls for 75 min {shipped[75.0, 0.0][0]} (<= 30); worst delay ending in 60-90 min "
        f"{max(window, default=0):.1f} (<= 2); elsewhere {max(outside, default=0):.1f} (<= 5)")


if __name__ == "__main__":
    main()
