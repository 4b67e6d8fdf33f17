"""Every import of the repository's Python code, read with `ast` (nothing is imported): the
layer rules (tests/test_layers.py) and the dependency files (tests/deploy/test_requirements.py)."""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

PRODUCT = ("function_app", "triggers", "orchestrators", "activities", "services", "domain", "webui", "cli")
OUTSIDE_THE_PRODUCT = ("sandbox", "devhost", "harness", "tests", "bench")


@dataclass(frozen=True)
class Import:
    module: str  # the module whose code holds the import
    line: int
    target: str  # the dotted name imported, a submodule where `from package import name` names one

    def __str__(self) -> str:
        return f"{self.module.replace('.', '/')}.py:{self.line} imports {self.target}"


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path, tops: tuple[str, ...]) -> dict[str, Path]:
    found = {}
    for top in tops:
        files = [root / f"{top}.py"] if (root / f"{top}.py").is_file() else sorted((root / top).rglob("*.py"))
        found.update({module_name(path, root): path for path in files})
    return found


def _absolute(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[:len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str, path: Path, known: set[str]) -> list[Import]:
    """Every import in the module's code, at any depth. `from package import name` names the submodule
    when the repository holds one; outside the repository (where `name` may be a namespace package's
    module, as in `from opentelemetry import trace`) it names `package.name`, whatever name is."""
    ours = {name.split(".")[0] for name in known}
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [Import(module, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, path, node)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                named = submodule in known or (base.split(".")[0] not in ours and alias.name != "*")
                found.append(Import(module, node.lineno, submodule if named else base))
        elif isinstance(node, ast.Call) and _is_import_module(node.func) and node.args \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            found.append(Import(module, node.lineno, node.args[0].value))
    return found


def _is_import_module(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "import_module") or \
        (isinstance(func, ast.Name) and func.id in ("import_module", "__import__"))


def graph(root: Path, tops: tuple[str, ...]) -> dict[str, list[Import]]:
    """Imports of every module under `tops`, resolved against every module the repository holds."""
    every = modules(root, PRODUCT + OUTSIDE_THE_PRODUCT + ("app_settings",))
    return {name: imports_of(name, every[name], set(every)) for name in modules(root, tops) if name in every}


def under(target: str, *packages: str) -> bool:
    return any(target == p or target.startswith(p + ".") for p in packages)


def is_stdlib(target: str) -> bool:
    return target.split(".")[0] in sys.stdlib_module_names
