"""Fan-out: how long one validation round takes when every call to every service (Entra included)
costs the same latency L, against the same fact fetches run one after another.

    .venv/bin/python -m bench.fanout [--latency-ms 200] [--warm-runs 3]

Validation time is measured as a caller sees it: from POST /api/links to the status showing
AwaitingConfirmation (so it includes the HTTP start, the validating event, engine episodes and
token fetches). "Cold" is the first link on a fresh host (tokens fetched, service clients
imported); "warm" links follow on the same host. "Cold, warm-up done" is the first link on another
fresh host started with TOKEN_PREFETCH_AT_START=true, once its start-up warm-up is done (a host
that started before its first request); "racing the warm-up", the first request sent as soon as
such a host is ready (a host started by that request). The floor is bench.floor_app. The
sequential figure calls the same fact activities one after another in this process, against the
same sandbox.
"""

from __future__ import annotations

import argparse
import functools
import os
import time
from typing import Any, Callable

from bench.common import SERVICES, bench_stack, describe, longest_chain, median, progress, say
from domain.facts.base import stages
from harness.recorder import Call
from harness.scenarios import link_targets, many_links
from harness.stack import Stack, wait_for, wait_phase


# How often the caller asks for the status. Each GET /api/links/{id} costs the host about 12 ms of CPU
# (the stored document is read), so polling much faster would measure the polling.
POLL_SECONDS = 0.02


def timed_validation(stack: Stack, index: int) -> tuple[float, float, list[Call], int, float]:
    """(seconds from start to AwaitingConfirmation, seconds of sandbox traffic, longest chain, calls,
    seconds outside the traffic: before the first call and after the last answer)."""
    link = link_targets(index + 1, project_per_link=True)[index]

    def start() -> str:
        answer = stack.host.post("/api/links", link.request())
        assert answer.status == 202, answer.body
        return link.instance_id

    def reached(instance_id: str) -> None:
        status = wait_phase(stack.host, instance_id, "AwaitingConfirmation", "ValidationFailed",
                            interval=POLL_SECONDS)
        assert status["phase"] == "AwaitingConfirmation", status["checks"]
    return timed(stack, start, reached)


def timed_floor(stack: Stack) -> tuple[float, float, list[Call], int, float]:
    """The same figures for bench.floor_app: the SDKs alone, making the three dependent calls."""
    def start() -> str:
        answer = stack.host.post("/api/floor", {})
        assert answer.status == 202, answer.body
        return answer.json()["instanceId"]

    def reached(instance_id: str) -> None:
        wait_for(lambda: stack.host.get(f"/api/floor/{instance_id}").json()["phase"] == "AwaitingConfirmation",
                 interval=POLL_SECONDS, what="the floor run")
    return timed(stack, start, reached)


def timed(stack: Stack, start: Callable[[], str], reached: Callable[[str], None]) -> tuple[float, float, list[Call],
                                                                                          int, float]:
    stack.recorder.clear()
    stack.host.hold_clock()
    began = time.monotonic()
    reached(start())
    elapsed = time.monotonic() - began
    calls = stack.recorder.snapshot()
    first, last = min(c.started for c in calls), max(c.finished for c in calls)
    return elapsed, last - first, longest_chain(calls), len(calls), elapsed - (last - first)


def floor_runs(latency_ms: int, warm_runs: int) -> tuple[tuple[float, ...], list[tuple[float, ...]]]:
    with bench_stack("happy-path", devhost_args=("--virtual-time", "--app-module", "bench.floor_app")) as stack:
        set_latency(stack, latency_ms)
        return timed_floor(stack), [timed_floor(stack) for _ in range(warm_runs)]


@functools.cache
def app_functions() -> dict[str, Callable[..., Any]]:
    """The app's functions by name (the SDK indexes an app only once)."""
    import function_app

    return {f.get_function_name(): f.get_user_function() for f in function_app.app.get_functions()}


def sequential_facts(stack: Stack, index: int) -> tuple[float, int]:
    """The same fact activities, called one after another in this process: (seconds, calls)."""
    link = link_targets(index + 1, project_per_link=True)[index]
    request = {**link.request(), "setupMode": "lcs-api", "confirmationTimeout": "P3D", "correlationId": None}
    by_name = app_functions()
    stack.recorder.clear()
    began = time.monotonic()
    results = {}
    first, second = stages()
    for fact in first:
        results[fact.name] = by_name[fact.activity]({"request": request})
    operator, target = results["operator"]["value"], results["target"]["value"]
    for fact in second:
        payload = {"request": request, "instanceUrl": target["instance_url"], "operatorObjectId": operator["object_id"]}
        by_name[fact.activity](payload)
    elapsed = time.monotonic() - began
    return elapsed, len(stack.recorder.snapshot())


def set_latency(stack: Stack, latency_ms: int) -> None:
    stack.sandbox.set_faults({"seed": 1, "lcs": {"metadataCallsPerMinute": 0},
                              **{s: {"latencyMs": latency_ms} for s in SERVICES}})


WARM_UP_DONE = "start-up warm-up done"


def cold_with_warm_up(latency_ms: int, racing: bool) -> tuple[float, float, list[Call], int, float]:
    """The first link on a fresh host with TOKEN_PREFETCH_AT_START on: sent once the warm-up is done
    (an instance started before its traffic), or `racing` it, sent as soon as the host is ready (an
    instance started by that request), every call costing L from the start."""
    faults = {"seed": 1, **{s: {"latencyMs": latency_ms} for s in SERVICES}} if racing else None
    with bench_stack(many_links(1, project_per_link=True, faults=faults),
                     extra_env={"TOKEN_PREFETCH_AT_START": "true"}) as stack:
        if not racing:
            wait_for(lambda: WARM_UP_DONE in stack.host.logs(), what="the start-up warm-up")
            set_latency(stack, latency_ms)
        return timed_validation(stack, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--warm-runs", type=int, default=3)
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    runs = 2 + 2 * args.warm_runs
    with bench_stack(many_links(runs, project_per_link=True)) as stack:
        set_latency(stack, args.latency_ms)
        progress("validation on devhost, cold host")
        cold = timed_validation(stack, 0)
        warm = [timed_validation(stack, 1 + i) for i in range(args.warm_runs)]

        os.environ.update(stack.env)
        from services.clients import get_clients
        get_clients.cache_clear()
        progress("the same fact fetches one after another, in this process")
        sequential_cold = sequential_facts(stack, 1 + args.warm_runs)
        sequential_warm = [sequential_facts(stack, 2 + args.warm_runs + i) for i in range(args.warm_runs)]

    progress("validation on devhost, cold host with the start-up warm-up done")
    prefetched = cold_with_warm_up(args.latency_ms, racing=False)
    progress("validation on devhost, cold host, the first request racing the start-up warm-up")
    racing = cold_with_warm_up(args.latency_ms, racing=True)
    progress("the engine's floor: the SDKs alone making the three dependent calls (bench.floor_app)")
    floor_cold, floor_warm = floor_runs(args.latency_ms, args.warm_runs)

    warm_elapsed = median(w[0] for w in warm)
    warm_span = median(w[1] for w in warm)
    warm_engine = median(w[4] for w in warm)
    seq_warm = median(s[0] for s in sequential_warm)
    say(f"fan-out: every call (Entra included) answered after L = {args.latency_ms} ms")
    say(f"  devhost validation, cold host: {cold[0]:.2f} s = {cold[0] / latency:.1f} L "
        f"(sandbox traffic {cold[1]:.2f} s, {cold[3]} calls, longest chain of dependent calls {len(cold[2])})")
    say(f"  devhost validation, cold host, start-up warm-up (TOKEN_PREFETCH_AT_START) done: {prefetched[0]:.2f} s = "
        f"{prefetched[0] / latency:.1f} L ({prefetched[3]} calls, longest chain {len(prefetched[2])})")
    say(f"  devhost validation, cold host, the first request racing the warm-up: {racing[0]:.2f} s = "
        f"{racing[0] / latency:.1f} L ({racing[3]} calls seen from the request on, longest chain {len(racing[2])})")
    say(f"  devhost validation, warm (median of {len(warm)}): {warm_elapsed:.2f} s = {warm_elapsed / latency:.1f} L "
        f"(sandbox traffic {warm_span:.2f} s, {warm[0][3]} calls, longest chain {len(warm[0][2])})")
    say(f"    warm chain: {' -> '.join(describe(c) for c in warm[0][2])}")
    inside = median(sum(c.finished - c.started for c in w[2]) for w in warm)
    say(f"    the chain's {len(warm[0][2])} calls at the sandbox {inside:.2f} s = {inside / latency:.2f} L (L each, plus "
        f"the sandbox's own time)")
    say(f"    warm, outside the sandbox traffic (HTTP start, the validating event, episodes before the first "
        f"call and after the last answer): {warm_engine:.2f} s = {warm_engine / latency:.1f} L; "
        f"traffic alone {warm_span / latency:.1f} L")
    say(f"  same facts one after another, cold: {sequential_cold[0]:.2f} s = {sequential_cold[0] / latency:.1f} L "
        f"({sequential_cold[1]} calls)")
    say(f"  same facts one after another, warm (median of {len(sequential_warm)}): {seq_warm:.2f} s = "
        f"{seq_warm / latency:.1f} L ({sequential_warm[0][1]} calls)")
    floor = median(f[0] for f in floor_warm)
    say(f"  the engine's floor, the SDKs alone making the {len(floor_warm[0][2])} dependent calls in one activity "
        f"(bench.floor_app): warm (median of {len(floor_warm)}) {floor:.2f} s = {floor / latency:.1f} L, cold host "
        f"{floor_cold[0]:.2f} s = {floor_cold[0] / latency:.1f} L; validation warm / floor warm: "
        f"{warm_elapsed / floor:.2f}x, {(warm_elapsed - floor) * 1000:.0f} ms over it")
    say(f"  speed-up of the fan-out, warm: {seq_warm / warm_elapsed:.1f}x; goals: validation warm <= 3 L "
        f"({'met' if warm_elapsed / latency <= 3 else 'missed'}), cold host <= 4 L "
        f"({'met' if cold[0] / latency <= 4 else 'missed'}; with the warm-up done "
        f"{'met' if prefetched[0] / latency <= 4 else 'missed'}, racing it "
        f"{'met' if racing[0] / latency <= 4 else 'missed'})")


if __name__ == "__main__":
    main()
