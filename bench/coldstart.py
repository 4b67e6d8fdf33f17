"""Cold start: the time to import function_app, divided by the time to import azure.functions and
azure.durable_functions alone (what any Durable Functions app pays).

    .venv/bin/python -m bench.coldstart [--runs 15] [--against DIR]

`--against DIR` also imports the function_app of another tree (e.g. an older commit unpacked with
`git archive COMMIT | tar -x -C DIR`) in the same alternation, so that both ratios come from one run.

Each import runs in a fresh interpreter (python -X importtime is not used: it slows imports down
unevenly); the two kinds alternate so that disk cache and CPU frequency treat them alike, and the
medians are compared. On a shared machine the SDKs' own import moves by several percent from one
interpreter to the next, so a second figure takes that out: the SDKs imported, then function_app
timed in the same interpreter; the median of (SDKs + app) / SDKs over those interpreters. It also checks that the heavy libraries (azure.identity, msal, Azure Monitor, requests' adapters for
the services) and the code only a request runs (the request model, the runs, the handlers) are not
imported with the app.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from bench.common import REPO_ROOT, median, say

HEAVY = ("azure.identity", "msal", "services.clients", "jsonschema", "domain.facts.base", "domain.checks",
         "azure.monitor.opentelemetry", "azure.storage.blob",
         # what the first request loads: the request model, the status document, the runs, the handlers
         "domain.request", "domain.status_document", "orchestrators.link_environment", "orchestrators.validation",
         "triggers.link_actions", "triggers.api_handlers", "activities.setup_modes", "services.telemetry")
PROBE = """
import sys, time
started = time.perf_counter()
{first}
first = time.perf_counter() - started
started = time.perf_counter()
{imports}
elapsed = time.perf_counter() - started
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print(__import__("json").dumps({{"first_seconds": first, "seconds": elapsed, "heavy": heavy}}))
"""
BASELINE = "import azure.functions, azure.durable_functions"
APP = "import function_app"


def measure(imports: str, tree: str | Path = REPO_ROOT, first: str = "") -> dict:
    """`imports` timed in a fresh interpreter of `tree`, after `first` (timed apart)."""
    probe = PROBE.format(first=first, imports=imports, heavy=HEAVY)
    answer = subprocess.run([sys.executable, "-c", probe], cwd=tree, capture_output=True, text=True, check=True)
    return json.loads(answer.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--against", type=Path, help="another tree whose function_app is measured alongside")
    args = parser.parse_args()
    kinds = {"baseline": (BASELINE, REPO_ROOT, ""), "app": (APP, REPO_ROOT, ""),
             "after": (APP, REPO_ROOT, BASELINE)}
    if args.against:
        kinds |= {"other": (APP, args.against, ""), "other after": (APP, args.against, BASELINE)}
    for imports, tree, first in kinds.values():
        measure(imports, tree, first)  # warm the disk cache once
    results: dict[str, list[dict]] = {kind: [] for kind in kinds}
    for _ in range(args.runs):
        for kind, (imports, tree, first) in kinds.items():
            results[kind].append(measure(imports, tree, first))
    heavy = sorted({m for kind in ("app", "after") for result in results[kind] for m in result["heavy"]})

    def ms(kind: str) -> float:
        return median([result["seconds"] for result in results[kind]]) * 1000

    def ratio(kind: str) -> float:
        return ms(kind) / ms("baseline")

    def same_interpreter(kind: str) -> str:
        shares = [1 + result["seconds"] / result["first_seconds"] for result in results[kind]]
        return f"+{ms(kind):.1f} ms after the SDKs in the same interpreter, ratio {median(shares):.3f}"

    say(f"cold start: import in a fresh interpreter, median of {args.runs}")
    say(f"  azure.functions + azure.durable_functions: {ms('baseline'):.0f} ms")
    if args.against:
        say(f"  function_app of {args.against}: {ms('other'):.0f} ms, ratio {ratio('other'):.2f}; "
            f"{same_interpreter('other after')}")
    say(f"  function_app: {ms('app'):.0f} ms; {same_interpreter('after')}")
    say(f"  heavy modules imported with it: {heavy or 'none'}")
    say(f"  ratio {ratio('app'):.2f} (goal <= 1.10: {'met' if ratio('app') <= 1.10 else 'missed'})")


if __name__ == "__main__":
    main()
