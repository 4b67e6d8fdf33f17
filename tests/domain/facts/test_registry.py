"""The fact declarations: found by walking domain/facts/, staged by their `after` facts, in the
order recorded histories replay, each input built from the facts it comes after."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from domain import facts as F
from domain.facts.base import FactSpec, SkipFact, fan_out, spec, specs, stages, with_dependencies

# The order of the scheduled activities is in recorded histories (tests/fixtures/histories): it must not move.
RECORDED_FAN_OUT = [
    ["gather_operator", "gather_target_environment", "gather_tenant_settings", "gather_capacity",
     "gather_lcs_environment", "gather_lcs_links", "gather_lcs_integration"],
    ["gather_dataverse_roles", "gather_dataverse_integration"],
]
REQUEST = {"lcsProjectId": 1}
DATAVERSE_URL = "https://contoso.crm.dynamics.com"


UNIFIED_FAN_OUT = [
    ["gather_operator", "gather_target_environment", "gather_capacity", "gather_application_packages"],
    ["gather_dataverse_roles", "gather_dataverse_integration", "gather_finops_versions"],
]


def fan_out_in(mode):
    return [[s.activity for s in stage if s.read_in(mode)] for stage in stages()]


def test_stages_derive_from_the_declarations_in_the_recorded_order():
    assert fan_out_in("lcs-api") == RECORDED_FAN_OUT
    # What a mode's checks do not read is not fetched (orchestrators.validation.facts_needed).
    assert [[a for a in stage if a in {*UNIFIED_FAN_OUT[0], *UNIFIED_FAN_OUT[1]}]
            for stage in fan_out_in("unified")] == UNIFIED_FAN_OUT


def test_a_fact_declared_after_another_comes_in_a_later_stage():
    first = FactSpec("a", object, "gather_a", order=2)
    second = FactSpec("b", object, "gather_b", order=1, after=("a",))
    third = FactSpec("c", object, "gather_c", order=3, after=("b", "a"))
    independent = FactSpec("d", object, "gather_d", order=4)
    assert fan_out([third, second, independent, first]) == ((first, independent), (second,), (third,))


def test_facts_that_wait_on_each_other_are_refused():
    with pytest.raises(ValueError, match="wait on each other"):
        fan_out([FactSpec("a", object, "x", 1, after=("b",)), FactSpec("b", object, "y", 2, after=("a",))])


def test_the_dataverse_facts_come_after_the_target_and_the_roles_after_the_operator():
    assert spec(F.DATAVERSE_ROLES).after == (F.TARGET, F.OPERATOR)
    assert spec(F.DATAVERSE_INTEGRATION).after == (F.TARGET,)
    assert with_dependencies({F.DATAVERSE_ROLES, F.CAPACITY}) == {F.DATAVERSE_ROLES, F.TARGET, F.OPERATOR, F.CAPACITY}


def test_lcs_integration_is_read_only_in_the_lcs_api_mode_and_the_unified_facts_in_unified_only():
    assert spec(F.LCS_INTEGRATION).modes == ("lcs-api",)
    assert [s.name for s in specs() if not s.read_in("operator")] == [
        F.APPLICATION_PACKAGES, F.LCS_INTEGRATION, F.FINOPS_VERSIONS]
    assert [s.name for s in specs() if not s.read_in("unified")] == [F.LCS_ENVIRONMENT, F.LCS_LINKS, F.LCS_INTEGRATION]


def gathered(target: object = None, operator: object = None, **results: F.FactResult) -> F.Facts:
    target = target or F.TargetEnvironmentFacts("env", "Contoso", "t1", "unitedstates", "eastus", True, DATAVERSE_URL,
                                                "Ready", "Ready", "Enabled")
    operator = operator or F.OperatorFacts("oid-1", "adele@contoso.com", "Adele Vance", "Member", "t1")
    return F.Facts([F.FactResult(F.TARGET, target), F.FactResult(F.OPERATOR, operator), *results.values()])


def test_a_second_stage_input_carries_what_its_facts_gave():
    assert spec(F.DATAVERSE_ROLES).input_for(REQUEST, gathered()) == (
        {"request": REQUEST, "instanceUrl": DATAVERSE_URL, "operatorObjectId": "oid-1"}, None)
    assert spec(F.DATAVERSE_INTEGRATION).input_for(REQUEST, gathered()) == (
        {"request": REQUEST, "instanceUrl": DATAVERSE_URL}, None)
    assert spec(F.OPERATOR).input_for(REQUEST, gathered()) == ({"request": REQUEST}, None)


def test_a_target_without_dataverse_skips_the_dataverse_facts():
    target = F.TargetEnvironmentFacts("env", "Contoso", "t1", "unitedstates", "eastus", False, None, None, None, None)
    for name in (F.DATAVERSE_ROLES, F.DATAVERSE_INTEGRATION):
        assert spec(name).input_for(REQUEST, gathered(target)) == (
            None, F.FactResult(name, skipped="the target environment has no Dataverse database"))


def test_a_failed_dependency_is_the_fact_error_and_the_target_is_named_first():
    failed = F.FactError("bap", "get_environment", "gone", 404, "NotFound", "ask an admin", transient=True)
    facts = F.Facts([F.FactResult(F.TARGET, error=failed),
                     F.FactResult(F.OPERATOR, error=F.FactError("graph", "get_user", "no"))])
    payload, result = spec(F.DATAVERSE_ROLES).input_for(REQUEST, facts)
    assert payload is None and result == F.FactResult(F.DATAVERSE_ROLES, error=F.FactError(
        "bap", "get_environment", "needed target, which could not be fetched: gone", 404, "NotFound", "ask an admin"))


def test_an_input_builder_may_skip_its_fact():
    def unavailable(facts: F.Facts) -> dict:
        raise SkipFact("not today")
    assert FactSpec("x", object, "gather_x", 1, build_input=unavailable).input_for(REQUEST, gathered()) == (
        None, F.FactResult("x", skipped="not today"))


def test_the_package_offers_names_classes_and_shared_types():
    assert (F.OPERATOR, F.TENANT_SETTINGS, F.LCS_LINKS) == ("operator", "tenantSettings", "lcsLinks")
    assert F.TargetEnvironmentFacts is F.PowerPlatformEnvironment and F.LinkedApp.__module__ == "domain.facts.target"
    assert F.FactResult.from_json(F.FactResult(F.CAPACITY, F.CapacityFacts(1.0, 0.5)).to_json()).value == \
        F.CapacityFacts(1.0, 0.5)
    with pytest.raises(AttributeError):
        F.NoSuchThing  # noqa: B018


def test_importing_the_package_loads_no_fact_class():
    """Modules loaded with the app import `domain.facts`; the classes must wait for the first validation."""
    code = "import sys, domain.facts; print(sorted(m for m in sys.modules if m.startswith('domain.facts.')))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[3]).stdout.strip() == "[]"
