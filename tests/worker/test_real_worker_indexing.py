"""function_app.py indexed by the real Azure Functions Python worker, as the host makes it do at start.

scripts/worker-venv.sh makes .venv-worker (Python 3.13, azure-functions-runtime, the app's
dependencies, the host's protobuf messages); scripts/worker_index.py sends the worker a
WorkerInitRequest and a FunctionsMetadataRequest for the app. Every expected function must come
back with its bindings, and the broken sample apps (tests/devhost/apps/broken) must fail to index
with the message devhost gives for them. See "What the real-worker check proves" in the README.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import function_app
from devhost.functions import index_app
from devhost.testing import REPO_ROOT
from devhost.worker_rules import FunctionLoadError
from tests.devhost.support import BROKEN, load_broken

HTTP = {  # function -> (methods, route)
    "start_link": (["POST"], "links"), "run_preflight": (["POST"], "preflight"), "list_links": (["GET"], "links"),
    "get_link": (["GET"], "links/{instanceId}"), "confirm_link": (["POST"], "links/{instanceId}/confirm"),
    "cancel_link": (["POST"], "links/{instanceId}/cancel"), "health": (["GET"], "health"),
    "review_page": (["GET"], "links/{instanceId}/review"),
    "review_confirm": (["POST"], "links/{instanceId}/review"),
    "openapi_document": (["GET"], "openapi.json"),
    "health_permissions": (["GET"], "health/permissions"), "fleet_page": (["GET"], "fleet"),
    "audit": (["GET"], "links/{instanceId}/audit"),
}
DURABLE_CLIENT_FREE = {"health", "openapi_document", "health_permissions"}
ANONYMOUS = {"health", "review_page", "review_confirm", "openapi_document", "fleet_page"}  # the rest need a function key
ACTIVITIES = {"gather_operator", "gather_target_environment", "gather_tenant_settings", "gather_capacity",
              "gather_lcs_environment", "gather_lcs_links", "gather_lcs_integration", "gather_dataverse_roles",
              "gather_dataverse_integration", "gather_application_packages", "gather_finops_versions",
              "start_setup", "read_provisioning", "verify_link"}


def expected_bindings() -> dict[str, dict[str, tuple[str, str]]]:
    """Every function of the app, each binding as name -> (type, direction), written out independently."""
    expected: dict[str, dict[str, tuple[str, str]]] = {}
    for name in HTTP:
        expected[name] = {"req": ("httpTrigger", "in"), "$return": ("http", "out")}
        if name not in DURABLE_CLIENT_FREE:
            expected[name]["client"] = ("durableClient", "in")
    expected["link_request_from_queue"] = {"message": ("queueTrigger", "in"), "client": ("durableClient", "in"),
                                           "poison": ("queue", "out")}
    for name in ("link_environment", "preflight"):
        expected[name] = {"context": ("orchestrationTrigger", "in")}
    for name in ACTIVITIES:
        expected[name] = {"payload": ("activityTrigger", "in")}
    expected["publish_event"] = {"event": ("activityTrigger", "in"), "message": ("queue", "out")}
    expected["save_status"] = {"record": ("activityTrigger", "in")}
    return expected


@pytest.fixture(scope="session")
def worker_python() -> Path:
    made = subprocess.run([str(REPO_ROOT / "scripts" / "worker-venv.sh")], capture_output=True, text=True,
                          timeout=600)
    if made.returncode == 3:
        pytest.skip(made.stderr.strip().splitlines()[-1])
    assert made.returncode == 0, f"scripts/worker-venv.sh failed:\n{made.stdout}\n{made.stderr[-4000:]}"
    return REPO_ROOT / ".venv-worker" / "bin" / "python"


def index_with_worker(python: Path, app_dir: Path, scripts: list[str]) -> dict[str, dict]:
    command = [str(python), str(REPO_ROOT / "scripts" / "worker_index.py"), "index", str(app_dir)]
    for script in scripts:
        command += ["--script", script]
    ran = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, f"the worker driver failed:\n{ran.stderr[-4000:]}"
    documents = [json.loads(line) for line in ran.stdout.splitlines() if line.startswith("{")]
    return {d["script"]: d for d in documents}


@pytest.fixture(scope="module")
def product_index(worker_python) -> dict:
    return index_with_worker(worker_python, REPO_ROOT, ["function_app.py"])["function_app.py"]


def test_the_worker_indexes_every_function_with_its_bindings(product_index):
    assert product_index["status"] == "Success", product_index["exception"]
    indexed = {f["name"]: {n: (b["type"], b["direction"]) for n, b in f["bindings"].items()}
               for f in product_index["functions"]}
    assert indexed == expected_bindings()
    raw = {f["name"]: {b["name"]: b for b in f["rawBindings"]} for f in product_index["functions"]}
    for name, (methods, route) in HTTP.items():
        assert (raw[name]["req"]["methods"], raw[name]["req"]["route"]) == (methods, route), name
        assert raw[name]["req"]["authLevel"] == ("ANONYMOUS" if name in ANONYMOUS else "FUNCTION"), name
    assert raw["link_request_from_queue"]["message"]["queueName"] == "link-requests"
    assert raw["link_request_from_queue"]["poison"]["queueName"] == "link-requests-poison"
    assert raw["publish_event"]["message"]["queueName"] == "link-events"
    assert {f["scriptFile"] for f in product_index["functions"]} == {"function_app.py"}


def test_devhost_serves_the_bindings_the_worker_indexed(product_index):
    worker = {f["name"]: sorted(f["rawBindings"], key=lambda b: b["name"]) for f in product_index["functions"]}
    devhost = {f.name: sorted(f.bindings, key=lambda b: b["name"]) for f in index_app(function_app.app)}
    assert devhost == worker


def test_broken_apps_fail_to_index_as_devhost_says(worker_python):
    names = sorted(p.stem for p in BROKEN.glob("*.py"))
    results = index_with_worker(worker_python, BROKEN, [f"{name}.py" for name in names])
    assert set(results) == {f"{name}.py" for name in names}
    for name in names:
        with pytest.raises(FunctionLoadError) as devhost:
            index_app(load_broken(name))
        result = results[f"{name}.py"]
        assert (result["status"], result["exception"]) == ("Failure", f"FunctionLoadError: {devhost.value}"), name


def test_the_negative_control_is_the_out_annotation(worker_python):
    """The plainest case, spelt out: a queue output annotated `str` makes the real worker refuse the app."""
    result = index_with_worker(worker_python, BROKEN, ["out_annotated_str.py"])["out_annotated_str.py"]
    assert result["status"] == "Failure" and result["functions"] == []
    assert result["exception"].startswith("FunctionLoadError: cannot load the forward function")
    assert "not a subclass of azure.functions.Out" in result["exception"]
