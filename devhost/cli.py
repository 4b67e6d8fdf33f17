"""python -m devhost: run function_app.app locally with the Durable engine, queues and (optionally) the sandbox."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from .functions import index_app, load_app
from .host import Host, HostOptions
from .processes import Azurite, Sandbox, ensure_azurite, start_sandbox
from .worker_rules import FunctionLoadError
from .settings import (DEFAULT_AZURITE_BLOB_URL, DEFAULT_AZURITE_QUEUE_URL, apply_values,
                       development_connection_string, is_development_storage, load_host_json,
                       load_local_settings)

log = logging.getLogger("devhost")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devhost", description=__doc__)
    parser.add_argument("--port", type=int, default=None,
                        help="HTTP port (default: local.settings.json Host.LocalHttpPort, else 7071; 0 = any free)")
    parser.add_argument("--app-dir", type=Path, default=Path.cwd(), help="folder with host.json and the app module")
    parser.add_argument("--app-module", default="function_app", help="module to import (default function_app)")
    parser.add_argument("--app-attr", default="app", help="attribute holding the FunctionApp (default app)")
    parser.add_argument("--state", type=Path, default=None,
                        help="state folder: SQLite history, Azurite data (default APP_DIR/.local/devhost)")
    parser.add_argument("--virtual-time", action="store_true",
                        help="jump the clock to the next due timer whenever nothing else is runnable")
    parser.add_argument("--idle-grace-ms", type=int, default=0,
                        help="virtual time: jump only after this long without any work or HTTP request")
    parser.add_argument("--hold-clock", action="store_true",
                        help="virtual time: start with the clock held (no jumps until POST /admin/devhost/clock/release)")
    parser.add_argument("--sandbox", metavar="SCENARIO", help="start the sandbox with this scenario")
    parser.add_argument("--sandbox-url", help="base URL of an already running sandbox (for the clock)")
    parser.add_argument("--sandbox-ca", help="CA bundle that signs the sandbox's certificate")
    parser.add_argument("--azurite-url", default=None,
                        help=f"queue endpoint used for UseDevelopmentStorage=true (default {DEFAULT_AZURITE_QUEUE_URL})")
    parser.add_argument("--azurite-blob-url", default=DEFAULT_AZURITE_BLOB_URL,
                        help=f"blob endpoint used for UseDevelopmentStorage=true (default {DEFAULT_AZURITE_BLOB_URL})")
    parser.add_argument("--no-azurite", action="store_true", help="never start Azurite")
    parser.add_argument("--ready-file", type=Path, help="write {url, port, pid, db} here once serving")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def _index(app_dir: Path, args: argparse.Namespace) -> list:
    try:
        return index_app(load_app(app_dir, args.app_module, args.app_attr))
    except FunctionLoadError as refused:
        # As the host reports a refused index: no function of the app loads, the host serves nothing.
        raise SystemExit(f"Worker failed to index functions\nResult: Failure\nException: FunctionLoadError: {refused}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("azure", "werkzeug", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    app_dir = args.app_dir.resolve()
    state_dir = (args.state or app_dir / ".local" / "devhost").resolve()
    state_dir.mkdir(parents=True, exist_ok=True)

    local = load_local_settings(app_dir)
    skipped = apply_values(local.values, os.environ)
    for name in skipped:
        log.info("Skipping '%s' from local.settings.json as it's already defined in the environment", name)

    sandbox: Sandbox | None = None
    azurite: Azurite | None = None
    try:
        sandbox_url, sandbox_ca = args.sandbox_url, args.sandbox_ca
        if args.sandbox:
            sandbox = start_sandbox(args.sandbox, app_dir, state_dir)
            os.environ.update(sandbox.settings)  # the scenario's endpoints win over local settings
            sandbox_url = sandbox_url or sandbox.base_url
            sandbox_ca = sandbox_ca or sandbox.ca_path
            log.info("sandbox scenario %r at %s", args.sandbox, sandbox_url)

        config = load_host_json(app_dir, os.environ)
        functions = _index(app_dir, args)

        queue_url = args.azurite_url or DEFAULT_AZURITE_QUEUE_URL
        uses_queues = any(b["type"] in ("queue", "queueTrigger") for f in functions for b in f.bindings)
        storage = os.environ.get("AzureWebJobsStorage", "")
        if uses_queues and is_development_storage(storage) and not args.no_azurite:
            azurite = ensure_azurite(queue_url, args.azurite_blob_url, app_dir, state_dir)
        if is_development_storage(storage):
            # The app reaches its own storage account (status documents in blobs) at the emulator devhost uses.
            os.environ["AzureWebJobsStorage"] = development_connection_string(queue_url, args.azurite_blob_url)

        port = args.port if args.port is not None else (local.http_port or 7071)
        host = Host(
            HostOptions(app_dir=app_dir, state_dir=state_dir, port=port, virtual_time=args.virtual_time,
                        idle_grace_ms=args.idle_grace_ms, hold_clock=args.hold_clock, sandbox_url=sandbox_url, sandbox_ca=sandbox_ca,
                        azurite_queue_url=queue_url, ready_file=args.ready_file),
            config, functions, os.environ,
        )
        host.start()

        def stop(*_: object) -> None:
            threading.Thread(target=host.shutdown, daemon=True).start()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        host.serve_forever()
        return 0
    finally:
        if sandbox:
            sandbox.stop()
        if azurite:
            azurite.stop()
