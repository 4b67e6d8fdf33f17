"""The layer rules of docs/architecture.md, read from the code: every import, lazy ones inside
functions and `importlib.import_module("...")` included, parsed with `ast` (nothing is imported).

triggers -> orchestrators -> activities -> services -> domain: a layer imports only layers below it,
domain imports nothing but the standard library, orchestrators reach activities only through their
pure name modules, the product never imports the local stand-ins, the tests or the benchmarks, the
sandbox imports nothing of the product, and devhost only loads the app module it is given."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.imports import OUTSIDE_THE_PRODUCT, PRODUCT, graph, is_stdlib, modules, under

ROOT = Path(__file__).resolve().parents[1]
# Third-party libraries domain may use. None today: the domain is the standard library and itself.
PURE_LIBRARIES: frozenset[str] = frozenset()
# The one library orchestrator code may import: the SDK whose replay runs it (no I/O of its own).
ORCHESTRATOR_LIBRARIES = ("azure.durable_functions",)


def forbidden(root: Path, tops: tuple[str, ...], *packages: str) -> list[str]:
    return [str(i) for imports in graph(root, tops).values() for i in imports if under(i.target, *packages)]


def impure_activity_imports(root: Path) -> list[str]:
    """Orchestrators may import activities modules that hold names only: modules that import nothing
    but the standard library, domain and other such modules (their packages' __init__ included)."""
    activities = graph(root, ("activities",))
    problems, seen = [], set()
    wanted = [(i, i.target) for imports in graph(root, ("orchestrators",)).values() for i in imports
              if under(i.target, "activities")]
    while wanted:
        via, name = wanted.pop()
        parts = name.split(".")
        for module in (".".join(parts[:n]) for n in range(1, len(parts) + 1)):
            if module in seen or module not in activities:
                continue
            seen.add(module)
            for i in activities[module]:
                if under(i.target, "activities"):
                    wanted.append((via, i.target))
                elif not (is_stdlib(i.target) or under(i.target, "domain")):
                    problems.append(f"{via}, which runs {i}")
    return sorted(problems)


RULES = {
    "domain imports only the standard library and domain": lambda root: [
        str(i) for imports in graph(root, ("domain",)).values() for i in imports
        if not (is_stdlib(i.target) or under(i.target, "domain") or i.target.split(".")[0] in PURE_LIBRARIES)],
    "services import no activities, orchestrators, triggers, webui or cli": lambda root: forbidden(
        root, ("services",), "activities", "orchestrators", "triggers", "webui", "cli", "function_app"),
    "activities import no orchestrators, triggers, webui or cli": lambda root: forbidden(
        root, ("activities",), "orchestrators", "triggers", "webui", "cli", "function_app"),
    "orchestrators import no services, triggers, webui or cli": lambda root: forbidden(
        root, ("orchestrators",), "services", "triggers", "webui", "cli", "function_app"),
    "orchestrators import no library but the Durable SDK": lambda root: [
        str(i) for imports in graph(root, ("orchestrators",)).values() for i in imports
        if not (is_stdlib(i.target) or under(i.target, *PRODUCT) or under(i.target, *ORCHESTRATOR_LIBRARIES))],
    "orchestrators import only activities' pure name modules": impure_activity_imports,
    "webui renders documents: no services, activities, orchestrators or triggers": lambda root: forbidden(
        root, ("webui",), "services", "activities", "orchestrators", "triggers", "cli", "function_app"),
    "cli talks to the app over HTTP: no triggers, orchestrators, activities or webui": lambda root: forbidden(
        root, ("cli",), "triggers", "orchestrators", "activities", "webui", "function_app"),
    "the product never imports sandbox, devhost, harness, tests or bench": lambda root: forbidden(
        root, PRODUCT, *OUTSIDE_THE_PRODUCT),
    "sandbox imports nothing of the product": lambda root: forbidden(
        root, ("sandbox",), *PRODUCT, "app_settings", "devhost", "harness", "tests", "bench"),
    "devhost reaches the product only by loading the app module it is given": lambda root: forbidden(
        root, ("devhost",), *PRODUCT),
}


@pytest.mark.parametrize("rule", RULES)
def test_layer_rule_holds(rule):
    assert RULES[rule](ROOT) == [], rule


def test_every_product_package_is_read():
    read = modules(ROOT, PRODUCT)
    assert {name.split(".")[0] for name in read} == set(PRODUCT)
    assert "orchestrators.link_environment" in read and "activities.names" in read


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_the_rules_see_lazy_relative_and_transitive_violations(tmp_path):
    root = write(tmp_path, {
        "domain/__init__.py": "",
        "domain/rules.py": "def fetch():\n    import requests\n    return requests\n",
        "services/__init__.py": "",
        "services/bap.py": "from ..activities import names\n",
        "activities/__init__.py": "",
        "activities/names.py": "from domain import rules\nSTART = 'start'\n",
        "activities/lookup.py": "from activities.setup import NAME\n",
        "activities/setup.py": "import azure.durable_functions\nfrom services import bap\nNAME = 'setup'\n",
        "orchestrators/__init__.py": "",
        "orchestrators/run.py": "from activities import names, lookup\nimport importlib\n"
                                "def later():\n    return importlib.import_module('sandbox.world')\n",
        "sandbox/__init__.py": "",
        "sandbox/world.py": "def peek():\n    from domain.rules import fetch\n",
    })
    assert RULES["domain imports only the standard library and domain"](root) == ["domain/rules.py:2 imports requests"]
    assert RULES["services import no activities, orchestrators, triggers, webui or cli"](root) == [
        "services/bap.py:1 imports activities.names"]
    via = "orchestrators/run.py:1 imports activities.lookup, which runs activities/setup.py"
    assert RULES["orchestrators import only activities' pure name modules"](root) == [
        f"{via}:1 imports azure.durable_functions", f"{via}:2 imports services.bap"]
    assert RULES["the product never imports sandbox, devhost, harness, tests or bench"](root) == [
        "orchestrators/run.py:4 imports sandbox.world"]
    assert RULES["sandbox imports nothing of the product"](root) == ["sandbox/world.py:2 imports domain.rules"]
