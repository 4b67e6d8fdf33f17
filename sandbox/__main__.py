"""python -m sandbox --scenario NAME_OR_PATH [--port N] [--state-dir DIR] [--settings-out PATH]

Starts the sandbox, prints one JSON object (base URL, CA certificate, service URLs, product settings)
on stdout, and serves until interrupted. `--check PATH_OR_NAME` validates a scenario and exits.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from sandbox.app import check_operations
from sandbox.scenario import ScenarioError, load_scenario, shipped_names
from sandbox.server import SandboxServer


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="Local stand-in for the Microsoft APIs the link job calls.")
    parser.add_argument("--scenario", default="happy-path", help=f"shipped name ({', '.join(shipped_names())}) or path to a scenario file")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--state-dir", type=Path, help="keep the CA and token key here, so a restart is trusted the same way")
    parser.add_argument("--settings-out", type=Path, help="also write the product settings (a flat JSON object) to this file")
    parser.add_argument("--check", metavar="SCENARIO", help="validate a scenario and exit (status 1 if invalid)")
    return parser.parse_args(argv)


def _shown(name: str, value: str) -> str:
    """Secrets never go to stdout: they are in the scenario file and in --settings-out only."""
    return "(hidden: see the scenario file or --settings-out)" if "SECRET" in name else value


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if args.check:
        try:
            check_operations(load_scenario(args.check).faults, args.check)
        except ScenarioError as error:
            print(error, file=sys.stderr)
            return 1
        print(f"scenario {args.check!r} is valid")
        return 0
    try:
        server = SandboxServer.start(scenario=args.scenario, port=args.port, state_dir=args.state_dir)
    except ScenarioError as error:
        print(error, file=sys.stderr)
        return 1
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        settings = server.settings()
        if args.settings_out:
            args.settings_out.touch(mode=0o600)
            args.settings_out.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
        print(json.dumps({
            "scenario": server.scenario.name,
            "baseUrl": server.base_url,
            "caCertPath": server.ca_cert_path,
            "caBundlePath": server.ca_bundle_path,
            "serviceUrls": server.service_urls,
            "settings": {name: _shown(name, value) for name, value in settings.items()},
        }, indent=2), flush=True)
        stopping.wait()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
