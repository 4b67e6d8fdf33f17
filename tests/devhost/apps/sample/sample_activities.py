"""Activities of the sample app (a Blueprint), including one with a queue output binding."""
import os
import time
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

bp = df.Blueprint()


def _runs_dir() -> Path:
    folder = Path(os.environ["SAMPLE_STATE_DIR"]) / "runs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _record(key: str) -> int:
    """Append a line per execution; returns how many times this key has run (at-least-once evidence)."""
    path = _runs_dir() / key
    with path.open("a") as runs:
        runs.write("x\n")
    return len(path.read_text().splitlines())


@bp.activity_trigger(input_name="name")
def say_hello(name: str) -> str:
    return f"Hello {name}!"


@bp.activity_trigger(input_name="n")
def square(n: int) -> int:
    return n * n


@bp.activity_trigger(input_name="request")
def flaky(request: dict) -> str:
    attempt = _record(f"flaky-{request['key']}")
    if attempt <= request["failures"]:
        raise RuntimeError(f"flaky failure {attempt}")
    return f"succeeded on attempt {attempt}"


@bp.activity_trigger(input_name="request")
def slow(request: dict) -> str:
    _record(f"slow-started-{request['key']}")
    time.sleep(request["seconds"])
    _record(f"slow-finished-{request['key']}")
    return request["key"]


@bp.activity_trigger(input_name="message")
@bp.queue_output(arg_name="out", queue_name="%SAMPLE_OUT_QUEUE%", connection="AzureWebJobsStorage")
def publish(message: dict, out: func.Out[str]) -> str:
    import json

    out.set(json.dumps(message))
    return "published"
