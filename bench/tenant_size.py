"""Tenant size: validation in a tenant of 2,000 Power Platform environments against one of a few,
and what listing every environment (what the source-not-linked fact did at c78af01) costs there.

    .venv/bin/python -m bench.tenant_size [--environments 2000] [--latency-ms 200] [--warm-runs 3]

Both tenants run in this one process, one after the other, with the same latency L on every call.
Validation is timed as bench.fanout times it (POST /api/links to AwaitingConfirmation, warm host).
The sandbox pages BAP's admin environment list (sandbox.apis.bap.PAGE_SIZE a page, nextLink);
the fact asks BAP for the environments linked to the LCS environment with a server-side $filter.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter

from bench.common import SERVICES, bench_stack, median, progress, say
from bench.fanout import timed_validation
from harness.scenarios import many_links


def with_environments(scenario: dict, count: int) -> dict:
    """`scenario` plus `count` environments without Dataverse, none linked to anything."""
    extra = {f"00000000-0000-4000-8000-{i:012d}": {
        "displayName": f"Tenant environment {i:04d}", "location": "unitedstates", "azureRegion": "eastus",
        "sku": "Sandbox"} for i in range(count)}
    environments = {**scenario["powerPlatform"]["environments"], **extra}
    return {**scenario, "powerPlatform": {**scenario["powerPlatform"], "environments": environments}}


def measure(scenario: dict, args: argparse.Namespace) -> dict:
    with bench_stack(scenario) as stack:
        stack.sandbox.set_faults({"seed": 1, "lcs": {"metadataCallsPerMinute": 0},
                                  **{s: {"latencyMs": args.latency_ms} for s in SERVICES}})
        timed_validation(stack, 0)  # the cold host
        warm = [timed_validation(stack, 1 + i) for i in range(args.warm_runs)]
        os.environ.update(stack.env)
        from services.clients import get_clients
        get_clients.cache_clear()
        get_clients().bap.get_tenant_settings()  # the token, so that only the listing is timed
        stack.recorder.clear()
        began = time.monotonic()
        listed = len(get_clients().bap.list_environments())
        full_list = time.monotonic() - began
        list_calls = Counter(c.service for c in stack.recorder.snapshot())["bap"]
    return {"seconds": median(w[0] for w in warm), "calls": warm[0][3],
            "listed": listed, "list_seconds": full_list, "list_calls": list_calls}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--environments", type=int, default=2000)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--warm-runs", type=int, default=3)
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    base = many_links(2 + args.warm_runs, project_per_link=True)
    progress("a small tenant")
    small = measure(base, args)
    progress(f"a tenant of {args.environments} more environments")
    large = measure(with_environments(base, args.environments), args)
    say(f"tenant size: every call answered after L = {args.latency_ms} ms; validation warm, median of {args.warm_runs}")
    for name, result in (("small tenant", small), (f"+{args.environments} environments", large)):
        say(f"  {name:>20}: validation {result['seconds']:.2f} s = {result['seconds'] / latency:.1f} L, "
            f"{result['calls']} calls; listing all {result['listed']} environments: {result['list_calls']} BAP calls, "
            f"{result['list_seconds']:.2f} s = {result['list_seconds'] / latency:.1f} L")
    ratio = large["seconds"] / small["seconds"]
    say(f"  validation large / small: {ratio:.2f}x time, {large['calls'] - small['calls']:+d} calls "
        f"(goal: flat: {'met' if large['calls'] == small['calls'] and ratio <= 1.15 else 'missed'})")


if __name__ == "__main__":
    main()
