"""Throughput: link requests dropped on the queue at once, all the way to Linked, in virtual time.

    .venv/bin/python -m bench.throughput [--links 200] [--latency-ms 20]

Happy path in lcs-api mode, every service call answered after --latency-ms. The script plays the
approvers: it reads the link-events queue and confirms each link as its link.awaiting-confirmation
event arrives. The virtual clock is held until the last link is confirmed (so that no confirmation
deadline can be jumped to), then released: provisioning (75 minutes each) then passes in virtual
time. Each LCS environment has a project of its own, so LCS's per-project limit paces nothing.

Measured on devhost (the Functions host stand-in): wall time from the first message to the last
link.linked event, CPU seconds of the devhost process, its peak resident memory, and history
events per instance (counted by a trigger on the task hub's history table, so executions that
continued as new are counted too).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import time
from collections import Counter

from bench.common import SERVICES, bench_stack, median, progress, say
from harness.scenarios import link_targets, many_links
from harness.stack import Stack, confirm

COUNT_HISTORY = """
CREATE TABLE IF NOT EXISTS bench_history (instance_id TEXT NOT NULL, seq INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS bench_count_history AFTER INSERT ON history
BEGIN INSERT INTO bench_history (instance_id, seq) VALUES (NEW.instance_id, NEW.seq); END;
"""


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_memory_mb(pid: int) -> float:
    line = next(line for line in open(f"/proc/{pid}/status") if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def history_counts(stack: Stack) -> tuple[list[int], list[int]]:
    """Per instance: history events written in all, and the longest single execution."""
    with sqlite3.connect(stack.host.db_path) as db:
        rows = db.execute("SELECT instance_id, seq FROM bench_history ORDER BY rowid").fetchall()
    totals: Counter[str] = Counter()
    longest: Counter[str] = Counter()
    for instance_id, seq in rows:
        totals[instance_id] += 1
        longest[instance_id] = max(longest[instance_id], seq + 1)
    return list(totals.values()), list(longest.values())


def run(stack: Stack, count: int, timeout: float) -> tuple[float, Counter]:
    links = link_targets(count, project_per_link=True)
    events = stack.queue("link-events")
    stack.host.hold_clock()
    began = time.monotonic()
    requests = stack.queue("link-requests")
    for link in links:
        requests.send_message(json.dumps(link.request()))
    progress(f"{count} requests queued in {time.monotonic() - began:.1f} s")
    confirmed, ended = set(), Counter()
    held = True
    while sum(ended.values()) < count:
        if time.monotonic() - began > timeout:
            raise TimeoutError(f"confirmed {len(confirmed)}, ended {dict(ended)}")
        batch = list(events.receive_messages(messages_per_page=32, max_messages=32, visibility_timeout=60))
        for message in batch:
            event = json.loads(message.content)
            if event["type"] == "link.awaiting-confirmation" and event["instanceId"] not in confirmed:
                assert confirm(stack.host, event["instanceId"]).status == 202
                confirmed.add(event["instanceId"])
            elif event["type"] in ("link.linked", "link.failed", "link.validation-failed",
                                   "link.provisioning-failed", "link.provisioning-timed-out"):
                ended[event["type"]] += 1
            events.delete_message(message)
        if held and len(confirmed) == count:
            stack.host.release_clock()
            held = False
            progress(f"all confirmed after {time.monotonic() - began:.1f} s")
        if not batch:
            time.sleep(0.1)
    return time.monotonic() - began, ended


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    scenario = many_links(args.links, project_per_link=True,
                          faults={"seed": 1, **{s: {"latencyMs": args.latency_ms} for s in SERVICES}})
    with bench_stack(scenario, sandbox_limit=None) as stack:
        with sqlite3.connect(stack.host.db_path) as db:
            db.executescript(COUNT_HISTORY)
        pid = stack.host.process.pid
        cpu_before = cpu_seconds(pid)
        seconds, ended = run(stack, args.links, args.timeout)
        cpu = cpu_seconds(pid) - cpu_before
        memory = peak_memory_mb(pid)
        totals, longest = history_counts(stack)
        calls = len(stack.recorder.snapshot())
    linked = ended["link.linked"]
    say(f"throughput: {args.links} link requests on the queue at once, {args.latency_ms} ms per service call, "
        "virtual time, devhost on this machine")
    say(f"  ended: {dict(ended)}; {calls} service calls")
    say(f"  wall time {seconds:.0f} s: {linked / (seconds / 60):.0f} links per minute")
    say(f"  devhost CPU {cpu:.0f} s: {cpu / args.links:.2f} CPU seconds per link; peak memory {memory:.0f} MB")
    say(f"  history events per instance: median {median(totals):.0f}, max {max(totals)} written in all executions; "
        f"longest single execution {max(longest)} (goal <= 150: "
        f"{'met' if max(totals) <= 150 else 'met per execution' if max(longest) <= 150 else 'missed'})")


if __name__ == "__main__":
    main()
