"""The check engine: discovery of the check modules, their declarations, display order, setup modes,
and how facts that could not be fetched become `error` or `failed` for the checks that need them."""

import importlib
import itertools
from dataclasses import replace
from pathlib import Path

import pytest

import domain.checks
from domain import facts as F
from domain.checks import (CHECKS, ERROR, FAILED, PASSED, REVALIDATED_CHECKS, WARNING, Check, CheckResult, discover,
                           revalidated_checks, run_checks, select, validation_passed, verdict)
from domain.setup_modes import mode_names
from tests.domain.checks.happy import HAPPY, REQUEST, UNIFIED, facts, with_

# The order the status document, the review page and the CLI have always shown.
DISPLAY_ORDER = ["dataverse-capacity", "environment-creation-policy", "operator-license", "same-geography",
                 "dataverse-ready", "dataverse-system-administrator", "lcs-project-access", "same-tenant",
                 "target-not-linked", "source-not-linked"]
UNIFIED_ORDER = ["environment-type", "dataverse-capacity", "operations-capacity", "operator-entitlement",
                 "dataverse-ready", "dataverse-hostname-length", "provisioning-app-available", "version-exists",
                 "dataverse-system-administrator", "same-tenant", "target-not-linked"]


@pytest.mark.parametrize("request_", [REQUEST, UNIFIED], ids=["lcs", "unified"])
def test_every_check_of_a_mode_passes_on_happy_facts(request_):
    results = run_checks(request_, facts())
    assert len(results) == (11 if request_ is UNIFIED else 10) and len(CHECKS) == 16
    assert {r.outcome for r in results} == {PASSED}, results
    assert all(isinstance(r, CheckResult) for r in results) and validation_passed(results)


def test_discovery_finds_one_check_per_module_named_after_its_id():
    package = Path(domain.checks.__file__).parent
    modules = {p.stem for p in package.glob("*.py")} - {"__init__", "engine"}
    assert {c.id.replace("-", "_") for c in CHECKS} == modules
    for check in CHECKS:
        assert importlib.import_module(f"domain.checks.{check.id.replace('-', '_')}").CHECK is check


def test_every_check_has_its_test_module():
    here = Path(__file__).parent
    assert [c.id for c in CHECKS if not (here / f"test_{c.id.replace('-', '_')}.py").exists()] == []


def test_checks_run_in_the_display_order():
    assert [c.id for c in CHECKS if c.applies_to("operator")] == DISPLAY_ORDER
    assert [r.id for r in run_checks(REQUEST, facts())] == DISPLAY_ORDER
    assert [r.id for r in run_checks(UNIFIED, facts())] == UNIFIED_ORDER
    assert [r.id for r in run_checks(REQUEST, facts(), only={"source-not-linked", "dataverse-capacity"})] == [
        "dataverse-capacity", "source-not-linked"]


def test_the_revalidated_checks_are_those_that_can_change_while_a_person_confirms():
    assert REVALIDATED_CHECKS == revalidated_checks() == {"dataverse-capacity", "target-not-linked",
                                                          "source-not-linked", "operations-capacity"}


def test_declared_modes_are_setup_modes_and_the_lcs_modes_share_their_checks():
    assert all(c.modes is None or c.modes <= set(mode_names()) for c in CHECKS)
    for mode in ("operator", "lcs-api"):
        assert [r.id for r in run_checks(replace(REQUEST, setupMode=mode), facts())] == DISPLAY_ORDER


def _passes(request):
    return verdict(PASSED, "fine")


ONLY_LCS_API = Check("lcs-api-only", "Applies to lcs-api only", (), _passes, order=15, modes=frozenset({"lcs-api"}))


def test_a_check_limited_to_some_modes_runs_only_in_them(monkeypatch):
    monkeypatch.setattr(domain.checks, "CHECKS", [*CHECKS, ONLY_LCS_API])

    def ids(request, **selection):
        return [r.id for r in run_checks(request, facts(), **selection)]

    assert "lcs-api-only" not in ids(REQUEST)  # the request's mode (operator) by default
    assert ids(replace(REQUEST, setupMode="lcs-api"))[:3] == ["dataverse-capacity", "lcs-api-only",
                                                              "environment-creation-policy"]
    assert "lcs-api-only" not in ids(UNIFIED)
    assert "lcs-api-only" in ids(REQUEST, mode="lcs-api")
    assert "lcs-api-only" not in ids(REQUEST, mode="lcs-api", only=REVALIDATED_CHECKS)


def test_select_orders_by_declaration_not_by_list():
    assert [c.id for c in select(reversed(CHECKS), "operator")] == DISPLAY_ORDER
    assert [c.id for c in select(reversed(CHECKS), "unified")] == UNIFIED_ORDER


def test_a_fact_that_could_not_be_fetched_errors_only_the_checks_that_need_it():
    down = F.FactResult(F.CAPACITY, error=F.FactError("powerplatform", "get_tenant_capacity", "Service Unavailable", 503))
    results = run_checks(REQUEST, facts(results=[down]))
    by_id = {r.id: r for r in results}
    assert by_id["dataverse-capacity"].outcome == ERROR
    assert "HTTP 503" in by_id["dataverse-capacity"].detail
    assert by_id["dataverse-capacity"].evidence == {"unavailableFacts": [F.CAPACITY]}
    assert "Run the checks again later" in by_id["dataverse-capacity"].remediation
    assert [r.id for r in results if r.outcome != PASSED] == ["dataverse-capacity"]
    assert not validation_passed(results)


def test_an_error_carries_the_service_remedy():
    no_token = F.FactResult(F.LCS_ENVIRONMENT, error=F.FactError("lcs", "acquire token", "no cached sign-in",
                                                                 remedy="Run python -m cli login"))
    results = run_checks(REQUEST, facts(results=[no_token]))
    lcs_checks = [r for r in results if r.outcome == ERROR]
    assert {r.id for r in lcs_checks} == {"lcs-project-access", "same-geography", "same-tenant"}
    assert all(r.remediation == "Run python -m cli login" for r in lcs_checks)


def test_a_skipped_fact_fails_the_check_with_its_reason():
    skipped = F.FactResult(F.DATAVERSE_ROLES, skipped="the target environment has no Dataverse database")
    results = run_checks(REQUEST, facts(results=[skipped]))
    sysadmin = next(r for r in results if r.id == "dataverse-system-administrator")
    assert sysadmin.outcome == FAILED and "no Dataverse" in sysadmin.detail
    assert sysadmin.evidence == {"missingFacts": [F.DATAVERSE_ROLES]}


def test_a_fact_not_gathered_fails_the_checks_that_need_it():
    values = {k: v for k, v in HAPPY.items() if k != F.LCS_LINKS}
    results = run_checks(REQUEST, F.Facts([F.FactResult(n, value=v) for n, v in values.items()]))
    assert [(r.id, r.outcome) for r in results if r.outcome != PASSED] == [("source-not-linked", FAILED)]


def test_warnings_do_not_block():
    results = run_checks(REQUEST, facts(with_(F.TARGET, runtime_state="AdminMode")))
    assert [r.outcome for r in results if r.outcome != PASSED] == [WARNING]
    assert validation_passed(results)


def test_facts_round_trip_through_json_to_the_same_results():
    original = facts()
    again = F.Facts.from_json(original.to_json())
    assert again.value(F.OPERATOR) == HAPPY[F.OPERATOR]
    assert again.value(F.DATAVERSE_ROLES) == HAPPY[F.DATAVERSE_ROLES]
    assert run_checks(REQUEST, again) == run_checks(REQUEST, original)


_PACKAGES = itertools.count()


def _package(tmp_path, monkeypatch, modules: dict[str, str]):
    """A package of check modules, under a name of its own so that no test sees another's modules."""
    name = f"fake_checks_{next(_PACKAGES)}"
    root = tmp_path / name
    root.mkdir()
    (root / "__init__.py").write_text("")
    for module, source in modules.items():
        (root / f"{module}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    return importlib.import_module(name)


DECLARE = "from domain.checks.engine import Check\nCHECK = Check({id!r}, 'title', (), print, order={order})\n"


def test_discovery_sorts_by_order(tmp_path, monkeypatch):
    package = _package(tmp_path, monkeypatch, {"late": DECLARE.format(id="late", order=1),
                                               "early": DECLARE.format(id="early", order=2)})
    assert [c.id for c in discover(package)] == ["late", "early"]


@pytest.mark.parametrize("modules, words", [
    ({"undeclared": "X = 1\n"}, "must declare CHECK"),
    ({"misnamed": DECLARE.format(id="other-name", order=1)}, "must declare CHECK"),
    ({"one": DECLARE.format(id="one", order=1), "two": DECLARE.format(id="two", order=1)}, "share a display order"),
])
def test_discovery_refuses_a_module_that_breaks_the_rules(tmp_path, monkeypatch, modules, words):
    package = _package(tmp_path, monkeypatch, modules)
    with pytest.raises(ImportError, match=words):
        discover(package)
