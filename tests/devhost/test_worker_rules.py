"""devhost refuses, with the Python worker's own words, every app the worker refuses to index."""
import pytest

import function_app
from devhost.functions import index_app
from devhost.testing import DevhostProcess
from devhost.worker_rules import FunctionLoadError
from tests.devhost.support import BROKEN, load_broken, load_sample_app

# What the worker (azure-functions-runtime 1.3.0) says for each; tests/worker checks the real one agrees.
REFUSALS = {
    "out_annotated_str": 'cannot load the forward function: binding done is declared to have the "out" direction, '
                         "but its annotation in Python is not a subclass of azure.functions.Out",
    "trigger_name_mismatch": "cannot load the hello function: the following parameters are declared in Python but "
                             "not in the function definition (function.json or function decorators):  {'request'}",
    "binding_without_parameter": "cannot load the forward function: Extra parameters in binding definition — the "
                                 "following parameters are declared as bindings but are not present in Python: "
                                 "{'done'}",
    "trigger_annotated_out": 'cannot load the consume function: binding message is declared to have the "in" '
                             "direction in the binding decorator, but its annotation is azure.functions.Out in Python",
    "return_type_mismatch": 'cannot load the count function: Python return annotation "int" does not match binding '
                            'type "http"',
    "return_annotated_out": "cannot load the hello function: return annotation should not be azure.functions.Out",
    "trigger_type_mismatch": "cannot load the consume function: binding type \"'message'\" and dataType "
                             '"queueTrigger" in the binding decorator do not match the corresponding function '
                             "parameter's Python type annotation int",
    "context_wrong_type": 'cannot load the consume function: the "context" parameter is expected to be of type '
                          "azure.functions.Context, got \"<class 'dict'>\"",
    "out_of_pep585_list": "cannot load the forward function: binding done has invalid non-type annotation "
                          "azure.functions._abc.Out[list[str]]",
}


def test_every_broken_sample_is_listed():
    assert {p.stem for p in BROKEN.glob("*.py")} == set(REFUSALS)


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_an_app_the_worker_refuses_is_refused_with_its_message(name):
    with pytest.raises(FunctionLoadError) as refused:
        index_app(load_broken(name))
    assert str(refused.value) == REFUSALS[name]


def test_the_product_and_the_sample_app_pass():
    assert {f.name for f in index_app(function_app.app)} >= {"start_link", "link_environment", "publish_event"}
    assert index_app(load_sample_app())


def test_devhost_does_not_start_an_app_the_worker_refuses(tmp_path):
    host = DevhostProcess(BROKEN, tmp_path / "state", app_module="out_annotated_str", args=["--no-azurite"])
    with pytest.raises(RuntimeError, match="devhost exited with 1") as failed:
        host.start()
    assert "Worker failed to index functions" in str(failed.value)
    assert REFUSALS["out_annotated_str"] in str(failed.value)
