"""A cold start loads the functions' names and bindings, not what their requests run: importing
function_app in a fresh interpreter leaves every module of bench/coldstart.py's HEAVY list out."""

from bench.coldstart import APP, HEAVY, measure


def test_importing_the_app_loads_no_heavy_library_and_no_request_code():
    assert measure(APP)["heavy"] == []


def test_the_probe_sees_a_heavy_module_when_one_is_imported():
    assert measure(f"import {HEAVY[-1]}")["heavy"] == [HEAVY[-1]]
