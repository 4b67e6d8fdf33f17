"""Cold start: the time to import function_app, divided by the time to import azure.functions and
azure.durable_functions alone (what any Durable Functions app pays).

    .venv/bin/python -m bench.coldstart [--runs 15] [--against DIR]

`--against DIR` also imports the function_app of another tree (e.g. an older commit unpacked with
`git archive COMMIT | tar -x -C DIR`) in the same alternation, so that both ratios come from one run.

Each import runs in a fresh interpreter (python -X importtime is not used: it slows imports down
unevenly); the two kinds alternate so that disk cache and CPU frequency treat them alike, and the
medians are compared. It also checks that the heavy libraries (azure.identity, msal, Azure Monitor, requests'
adapters for the services) are not imported with the app.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from bench.common import REPO_ROOT, median, say

PROBE = """
import sys, time
started = time.perf_counter()
{imports}
elapsed = time.perf_counter() - started
heavy = sorted(m for m in ("azure.identity", "msal", "services.clients", "jsonschema", "domain.facts.base", "domain.checks",
                         "azure.monitor.opentelemetry", "azure.storage.blob") if m in sys.modules)
print(__import__("json").dumps({{"seconds": elapsed, "heavy": heavy}}))
"""
BASELINE = "import azure.functions, azure.durable_functions"
APP = "import function_app"


def measure(imports: str, tree: str | Path = REPO_ROOT) -> dict:
    answer = subprocess.run([sys.executable, "-c", PROBE.format(imports=imports)], cwd=tree,
                            capture_output=True, text=True, check=True)
    return json.loads(answer.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--against", type=Path, help="another tree whose function_app is measured alongside")
    args = parser.parse_args()
    measure(APP)  # warm the disk cache and the .pyc files once
    if args.against:
        measure(APP, args.against)
    baseline, app, other, heavy = [], [], [], set()
    for _ in range(args.runs):
        baseline.append(measure(BASELINE)["seconds"])
        result = measure(APP)
        app.append(result["seconds"])
        heavy.update(result["heavy"])
        if args.against:
            other.append(measure(APP, args.against)["seconds"])
    ratio = median(app) / median(baseline)
    say(f"cold start: import in a fresh interpreter, median of {args.runs}")
    say(f"  azure.functions + azure.durable_functions: {median(baseline) * 1000:.0f} ms")
    if args.against:
        say(f"  function_app of {args.against}: {median(other) * 1000:.0f} ms, "
            f"ratio {median(other) / median(baseline):.2f}")
    say(f"  function_app: {median(app) * 1000:.0f} ms; heavy modules imported with it: {sorted(heavy) or 'none'}")
    say(f"  ratio {ratio:.2f} (goal <= 1.10: {'met' if ratio <= 1.10 else 'missed'})")


if __name__ == "__main__":
    main()
