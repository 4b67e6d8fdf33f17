"""Index a Functions app with the real Azure Functions Python worker, as the host makes it do at start.

Run by .venv-worker's Python (scripts/worker-venv.sh makes it), never by the project's .venv:

    .venv-worker/bin/python scripts/worker_index.py protos WHEEL DEST
    .venv-worker/bin/python scripts/worker_index.py index APP_DIR [--script function_app.py ...]

`protos` copies the host's generated protobuf messages (tests/protos/**/*_pb2.py) out of the
azure-functions-runtime-v1 wheel into DEST/azure_host_protos, without installing that wheel (it
would install a top-level `tests` package). `index` plays the host's side for each script: a
WorkerInitRequest for APP_DIR (the worker indexes the app then), then a FunctionsMetadataRequest,
handed to azure-functions-runtime as the proxy worker hands them; it prints one JSON document per
script: {script, status, exception, functions: [{name, scriptFile, bindings, rawBindings}]}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROTOS_PREFIX = "tests/protos/"
PROTOS_PACKAGE = "azure_host_protos"
PROTOS_DIR = Path(sys.prefix) / "host-protos"


def extract_protos(wheel: Path, destination: Path) -> None:
    package = destination / PROTOS_PACKAGE
    with zipfile.ZipFile(wheel) as archive:
        members = [n for n in archive.namelist() if n.startswith(PROTOS_PREFIX) and n.endswith("_pb2.py")]
        if not members:
            raise SystemExit(f"{wheel.name} has no {PROTOS_PREFIX}*_pb2.py")
        for name in members:
            target = package / name[len(PROTOS_PREFIX):]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(name))
    # Plain packages, without the wheel's __init__ (it imports grpc, which indexing doesn't need).
    for folder in [package, *(p for p in package.rglob("*") if p.is_dir())]:
        (folder / "__init__.py").touch()


@dataclass
class WorkerRequest:
    """What the proxy worker (azure-functions-python-worker) hands the library worker."""

    name: str
    request: Any
    properties: dict[str, Any] = field(default_factory=dict)


async def index_script(worker: Any, protos: Any, app_dir: str, script: str) -> dict[str, Any]:
    os.environ["PYTHON_SCRIPT_FILE_NAME"] = script
    init = protos.StreamingMessage(request_id="init", worker_init_request=protos.WorkerInitRequest(
        host_version="4.0.0", function_app_directory=app_dir, capabilities={}))
    answer = await worker.worker_init_request(
        WorkerRequest("WorkerInitRequest", init, {"protos": protos, "host": "127.0.0.1"}))
    document: dict[str, Any] = {"script": script, "status": protos.StatusResult.Status.Name(answer.result.status),
                                "exception": answer.result.exception.message or None, "functions": []}
    if answer.result.status != protos.StatusResult.Success:
        return document
    metadata = await worker.functions_metadata_request(WorkerRequest("WorkerMetadataRequest", protos.StreamingMessage(
        request_id="metadata", functions_metadata_request=protos.FunctionsMetadataRequest(
            function_app_directory=app_dir))))
    document["status"] = protos.StatusResult.Status.Name(metadata.result.status)
    for function in metadata.function_metadata_results:
        document["functions"].append({
            "name": function.name, "scriptFile": function.script_file,
            "bindings": {name: {"type": b.type, "direction": protos.BindingInfo.Direction.Name(b.direction)}
                         for name, b in function.bindings.items()},
            "rawBindings": [json.loads(raw) for raw in function.raw_bindings]})
    return document


def index(app_dir: Path, scripts: list[str]) -> None:
    sys.path.insert(0, str(PROTOS_DIR))
    from azure_host_protos import FunctionRpc_pb2 as protos  # noqa: E402  (made by `protos`)
    import azure_functions_runtime as worker  # noqa: E402

    # As under the host: the app's folder is the working directory and the first import location.
    os.chdir(app_dir)
    sys.path.insert(0, str(app_dir))
    for script in scripts:
        print(json.dumps(asyncio.run(index_script(worker, protos, str(app_dir), script))), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    protos = commands.add_parser("protos", help="extract the host's protobuf messages from the v1 wheel")
    protos.add_argument("wheel", type=Path)
    protos.add_argument("destination", type=Path)
    indexing = commands.add_parser("index", help="index an app with the real worker")
    indexing.add_argument("app_dir", type=Path)
    indexing.add_argument("--script", action="append", help="the app's script file (default function_app.py)")
    args = parser.parse_args()
    if args.command == "protos":
        extract_protos(args.wheel, args.destination)
    else:
        index(args.app_dir.resolve(), args.script or ["function_app.py"])


if __name__ == "__main__":
    main()
