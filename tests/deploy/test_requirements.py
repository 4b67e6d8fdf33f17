"""requirements.txt holds what the deployed app imports, no more and no less.

The deployed code is the product minus what .funcignore leaves behind (the CLI). Each of its
third-party imports must come from a distribution requirements.txt pins, or one those depend on; each
distribution requirements.txt pins must be imported by that code. Read from the installed metadata
of .venv and the code's imports (tests/imports.py); nothing is imported."""

from __future__ import annotations

import functools
import importlib.metadata as metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.imports import PRODUCT, graph, is_stdlib, under

ROOT = Path(__file__).resolve().parents[2]


def pinned(name: str) -> set[str]:
    """Distributions a requirements file pins, its `-r` includes too."""
    names = set()
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            names |= pinned(line[3:].strip())
        elif line:
            names.add(canonicalize_name(Requirement(line).name))
    return names


def deployed_packages() -> tuple[str, ...]:
    ignored = {line.strip().rstrip("/") for line in (ROOT / ".funcignore").read_text().splitlines()}
    return tuple(top for top in PRODUCT if top not in ignored and f"{top}.py" not in ignored)


@functools.cache
def third_party_imports() -> dict[str, str]:
    """Imported name -> where, for every import of the deployed code that is neither stdlib nor its own."""
    return {i.target: str(i) for imports in graph(ROOT, deployed_packages()).values() for i in imports
            if not is_stdlib(i.target) and not under(i.target, *PRODUCT)}


@functools.cache
def providers() -> dict[str, str]:
    """Module (dotted) -> the installed distribution whose files hold it, for the distributions that
    hold a top-level package the deployed app imports."""
    candidates = metadata.packages_distributions()
    found = {}
    for name in {dist for target in third_party_imports() for dist in candidates.get(target.split(".")[0], ())}:
        dist = metadata.distribution(name)
        for file in dist.files or ():
            if file.suffix == ".py":
                parts = file.with_suffix("").parts
                found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = canonicalize_name(dist.name)
    return found


def provider(target: str, by_module: dict[str, str]) -> str | None:
    parts = target.split(".")
    return next((by_module[m] for m in (".".join(parts[:n]) for n in range(len(parts), 0, -1)) if m in by_module), None)


def with_dependencies(names: set[str]) -> set[str]:
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for line in metadata.requires(name) or ():
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(requirement.name))
    return seen


def test_the_cli_is_not_deployed_and_the_rest_is():
    assert deployed_packages() == ("function_app", "triggers", "orchestrators", "activities", "services",
                                   "domain", "webui")


def test_every_import_of_the_deployed_app_is_installed_by_requirements_txt():
    by_module, installed = providers(), with_dependencies(pinned("requirements.txt"))
    missing = {where: provider(target, by_module) for target, where in third_party_imports().items()
               if provider(target, by_module) not in installed}
    assert missing == {}, "imported by the deployed app but not installed by requirements.txt"


def test_requirements_txt_pins_nothing_the_deployed_app_does_not_import():
    by_module = providers()
    imported = {provider(target, by_module) for target in third_party_imports()}
    assert pinned("requirements.txt") - imported == set()


def test_the_dev_and_cli_files_include_the_app_and_do_not_repeat_it():
    app, cli, dev = pinned("requirements.txt"), pinned("requirements-cli.txt"), pinned("requirements-dev.txt")
    assert app < cli < dev
    assert "azure-storage-queue" in dev - app  # devhost's queues and the tests', not the app's
