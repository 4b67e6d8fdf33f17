"""API budget: calls per link per service, LCS metadata calls per project per minute, and the
Functions executions a link costs (what a Consumption plan bills).

    .venv/bin/python -m bench.api_budget [--burst 8]

1. One link (lcs-api mode, 75-minute provisioning, shipped poll schedule) on a fresh host, then one
   more on the now warm host: calls to each service before the confirmation (the validation round)
   and after it (setup, monitoring, verification), and whether any call of the validation round was
   made twice. Functions executions are counted from devhost's log: orchestrator episodes and
   activities of the instance (the HTTP calls of this script itself are left out).
2. `--burst` links in one LCS project requested at once: LCS metadata calls in any sliding minute
   of wall time, as the sandbox received them. The client-side limiter (LCS_METADATA_CALLS_PER_MINUTE
   = 6) works in wall time; the sandbox's own 6-per-minute check is off here because it counts on the
   sandbox clock, which stands still in virtual time while activities wait.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter

from bench.common import SERVICES, bench_stack, progress, say
from harness.recorder import Call
from harness.scenarios import link_targets, many_links
from harness.stack import FINAL_RUNTIME, Stack, confirm, link_status, wait_finished, wait_for, wait_phase

METADATA = "/environmentinfo/v1/detail/project/"
EXECUTED = re.compile(r"Executed 'Functions\.(\w+)' \(Succeeded.*instance=(\S+)")


def one_link(stack: Stack, index: int) -> tuple[list[Call], list[Call], Counter]:
    """(calls before the confirmation, calls after it, executions by function) of one link."""
    link = link_targets(index + 1, project_per_link=True)[index]
    stack.recorder.clear()
    stack.host.hold_clock()
    assert stack.host.post("/api/links", link.request()).status == 202
    wait_phase(stack.host, link.instance_id, "AwaitingConfirmation")
    before = stack.recorder.snapshot()
    assert confirm(stack.host, link.instance_id).status == 202
    stack.host.release_clock()
    assert wait_finished(stack.host, link.instance_id)["phase"] == "Linked"
    after = stack.recorder.snapshot()[len(before):]
    executions = Counter(name for name, instance in EXECUTED.findall(stack.host.logs()) if instance == link.instance_id)
    return before, after, executions


def by_service(calls: list[Call]) -> Counter:
    return Counter(c.service for c in calls)


def repeated(calls: list[Call]) -> list[str]:
    counts = Counter((c.method, c.path, c.query) for c in calls if c.service != "entra")
    return [f"{m} {p}" for (m, p, _), n in counts.items() if n > 1]


def metadata_burst(stack: Stack, count: int) -> tuple[int, float]:
    """(most LCS metadata calls in any 60 s of wall time, seconds until every link was validated)."""
    links = link_targets(count)  # all in project 1234567
    stack.recorder.clear()
    stack.host.hold_clock()
    began = time.monotonic()
    for link in links:
        assert stack.host.post("/api/links", link.request()).status == 202

    def validated() -> bool:
        return all((link_status(stack.host, link.instance_id) or {}).get("phase") not in (None, "Validating")
                   for link in links)
    wait_for(validated, timeout=300, interval=0.5, what="every link validated")
    seconds = time.monotonic() - began
    for link in links:
        stack.host.post(f"/runtime/webhooks/durabletask/instances/{link.instance_id}/terminate?reason=bench")
    wait_for(lambda: all((stack.host.status(link.instance_id) or {}).get("runtimeStatus") in FINAL_RUNTIME
                         for link in links), what="terminated")
    stack.host.release_clock()
    times = sorted(c.started for c in stack.recorder.snapshot() if c.service == "lcs" and METADATA in c.path)
    busiest = max(sum(1 for t in times if start <= t < start + 60) for start in times)
    return busiest, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=8)
    args = parser.parse_args()
    with bench_stack(many_links(2, project_per_link=True)) as stack:
        progress("one link on a fresh host, one on the warm host")
        cold = one_link(stack, 0)
        warm = one_link(stack, 1)
    with bench_stack(many_links(args.burst)) as stack:
        progress(f"{args.burst} links in one LCS project at once")
        busiest, seconds = metadata_burst(stack, args.burst)

    say("API budget per link (lcs-api mode, 75-minute provisioning, shipped schedule)")
    say("  service          validation (cold / warm host)   after confirmation")
    for service in SERVICES:
        say(f"  {service:<16} {by_service(cold[0])[service]:>10} / {by_service(warm[0])[service]:<4}"
            f"{by_service(warm[1])[service]:>24}")
    say(f"  total            {len(cold[0]):>10} / {len(warm[0]):<4}{len(warm[1]):>24}")
    twice = repeated(warm[0])
    say(f"  calls made twice in one validation round: {', '.join(twice) if twice else 'none'}")
    lcs_metadata = sum(1 for c in warm[0] + warm[1] if c.service == "lcs" and METADATA in c.path)
    say(f"  LCS metadata calls per link: {lcs_metadata}")
    episodes = warm[2]["link_environment"]
    activities = sum(n for name, n in warm[2].items() if name != "link_environment")
    say(f"  Functions executions per link: {episodes} orchestrator episodes + {activities} activities = "
        f"{episodes + activities} (+ 1 HTTP start and 1 confirm; cold host: {sum(cold[2].values())})")
    top = ", ".join(f"{name} {n}" for name, n in warm[2].most_common(4))
    say(f"    most executed: {top}")
    say(f"LCS metadata limit: {args.burst} links in one project at once: at most {busiest} metadata calls in any "
        f"minute (limit 6: {'kept' if busiest <= 6 else 'EXCEEDED'}); all validated after {seconds:.0f} s")


if __name__ == "__main__":
    main()
