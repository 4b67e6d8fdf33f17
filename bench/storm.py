"""Storm completion: how many links complete when 30 % of all calls (Entra included) answer 429
with Retry-After and 10 % answer 503, with the product's default retry budgets.

    .venv/bin/python -m bench.storm [--links 40] [--seed 7001]

The links run at once, in virtual time; the clock is held until every link is confirmed (retry
timers of the validation are still let through). Fates are drawn per request and attempt, so a
seed gives the same storm on every run. Prints how many links ended Linked, and why the others
did not.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from bench.common import bench_stack, progress, say
from harness.scenarios import link_targets, many_links, storm
from harness.stack import FINAL_RUNTIME, Stack, confirm, let_retry_timers_fire

WAITING = ("Validating", "AwaitingConfirmation")


def run_all(stack: Stack, count: int, timeout: float = 900) -> list[dict]:
    links = link_targets(count, project_per_link=True)
    host = stack.host
    host.hold_clock()
    for link in links:
        assert host.post("/api/links", link.request()).status == 202
    confirmed: set[str] = set()
    held = True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = host.get("/api/links").json()["items"]
        for item in items:
            if item["phase"] == "AwaitingConfirmation" and item["instanceId"] not in confirmed:
                if confirm(host, item["instanceId"]).status == 202:
                    confirmed.add(item["instanceId"])
        if held and not any(i["phase"] in WAITING and i["instanceId"] not in confirmed for i in items):
            host.release_clock()
            held = False
        elif held:
            let_retry_timers_fire(host)
        statuses = [host.get(f"/api/links/{link.instance_id}").json() for link in links] if not held else []
        if statuses and all(s["runtimeStatus"] in FINAL_RUNTIME for s in statuses):
            return statuses
        time.sleep(0.2)
    raise TimeoutError("the storm did not end")


def why(status: dict) -> str:
    if status["phase"] == "Linked":
        return "Linked"
    if status["phase"] == "ValidationFailed":
        errors = [c for c in status["checks"] if c["outcome"] == "error"]
        return "ValidationFailed: " + "; ".join(sorted({c["detail"].split(":")[1].strip()[:70] for c in errors}))
    return f"{status['phase']}: {(status.get('outcome') or {}).get('message', '')[:140]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7001)
    args = parser.parse_args()
    scenario = many_links(args.links, project_per_link=True, duration_minutes=10, faults=storm(args.seed))
    with bench_stack(scenario, sandbox_limit=None) as stack:
        progress(f"{args.links} links in the storm (seed {args.seed})")
        began = time.monotonic()
        statuses = run_all(stack, args.links)
        seconds = time.monotonic() - began
        calls = stack.recorder.snapshot()
        setups = stack.sandbox.setup_starts()
    outcomes = Counter(why(s) for s in statuses)
    linked = outcomes.pop("Linked", 0)
    answered = Counter(c.status for c in calls)
    say(f"storm: 30 % 429 (Retry-After), 10 % 503 on every service; seed {args.seed}; {len(calls)} calls, "
        f"{answered[429]} answered 429, {answered[503]} answered 503; {seconds:.0f} s")
    for reason, count in outcomes.most_common():
        say(f"  {count:3d} x {reason}")
    say(f"  setup starts: {sum(setups.values())} for {len(setups)} environments (at most one each: "
        f"{'yes' if all(v == 1 for v in setups.values()) else 'NO'})")
    say(f"  links completed: {linked} of {len(statuses)} ({100 * linked / len(statuses):.0f} %); goal: all")


if __name__ == "__main__":
    main()
