"""Cold start: the time to import function_app, divided by the time to import azure.functions and
azure.durable_functions alone (what any Durable Functions app pays).

    .venv/bin/python -m bench.coldstart [--runs 15]

Each import runs in a fresh interpreter (python -X importtime is not used: it slows imports down
unevenly); the two kinds alternate so that disk cache and CPU frequency treat them alike, and the
medians are compared. It also checks that the heavy libraries (azure.identity, msal, requests'
adapters for the services) are not imported with the app.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from bench.common import REPO_ROOT, median, say

PROBE = """
import sys, time
started = time.perf_counter()
{imports}
elapsed = time.perf_counter() - started
heavy = sorted(m for m in ("azure.identity", "msal", "services.clients", "jsonschema", "domain.facts", "domain.checks") if m in sys.modules)
print(__import__("json").dumps({{"seconds": elapsed, "heavy": heavy}}))
"""
BASELINE = "import azure.functions, azure.durable_functions"
APP = "import function_app"


def measure(imports: str) -> dict:
    answer = subprocess.run([sys.executable, "-c", PROBE.format(imports=imports)], cwd=REPO_ROOT,
                            capture_output=True, text=True, check=True)
    return json.loads(answer.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    measure(APP)  # warm the disk cache and the .pyc files once
    baseline, app, heavy = [], [], set()
    for _ in range(args.runs):
        baseline.append(measure(BASELINE)["seconds"])
        result = measure(APP)
        app.append(result["seconds"])
        heavy.update(result["heavy"])
    ratio = median(app) / median(baseline)
    say(f"cold start: import in a fresh interpreter, median of {args.runs}")
    say(f"  azure.functions + azure.durable_functions: {median(baseline) * 1000:.0f} ms")
    say(f"  function_app: {median(app) * 1000:.0f} ms; heavy modules imported with it: {sorted(heavy) or 'none'}")
    say(f"  ratio {ratio:.2f} (goal <= 1.10: {'met' if ratio <= 1.10 else 'missed'})")


if __name__ == "__main__":
    main()
