"""One list of app settings (app_settings.py) against what reads them and what sets them.

What the app reads is found two ways: each declared reader is called with a mapping that records
every name asked for, and the product's code is scanned for literal environment look-ups
(os.environ[...], os.environ.get(...), os.getenv(...)). What the Functions host reads comes from
host.json's %NAME% references and the bindings' connections of the indexed app. The template's app
settings are read with pycep (the Bicep parser checkov uses); local settings from
local.settings.example.json. Each failure names the setting and where it is missing.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from pycep import BicepParser

import app_settings
from devhost.functions import index_app
from app_settings import APP, HOST, LIBRARY, PLATFORM, SET, SETTINGS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "app" / "function.bicep"
MAIN = ROOT / "infra" / "main.bicep"
DECLARATION = "app_settings.py"


class RecordingEnviron(dict):
    """An empty environment that remembers every name it was asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, name: str, default: Any = None) -> Any:
        self.asked.add(name)
        return default

    def __getitem__(self, name: str) -> Any:
        self.asked.add(name)
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        self.asked.add(str(name))
        return False


def readers() -> Iterator[tuple[str, Any, set[str]]]:
    """(name, the reader, the names it asks for) for each declared reader."""
    for reader in app_settings.READERS:
        module, _, attribute = reader.partition(":")
        target: Any = importlib.import_module(module)
        for part in attribute.split("."):
            target = getattr(target, part)
        environ = RecordingEnviron()
        target(environ)
        yield reader, target, environ.asked


def read_by_readers() -> dict[str, str]:
    return {name: reader for reader, _, asked in readers() for name in asked}


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or \
        (isinstance(node, ast.Name) and node.id == "environ")


def literal_lookups(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Subscript) and _is_environ(node.value):
            key = node.slice
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args and (
                (node.func.attr in ("get", "pop", "setdefault") and _is_environ(node.func.value))
                or node.func.attr == "getenv"):
            key = node.args[0]
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            yield key.value


def read_in_code() -> dict[str, str]:
    found = {}
    for entry in app_settings.PRODUCT_PACKAGES:
        path = ROOT / entry
        for source in ([path] if path.is_file() else sorted(path.rglob("*.py"))):
            for name in literal_lookups(ast.parse(source.read_text(encoding="utf-8"))):
                found[name] = str(source.relative_to(ROOT))
    return found


def read_by_host() -> dict[str, str]:
    found = {name: "host.json" for name in re.findall(r"%(\w+)%", (ROOT / "host.json").read_text())}
    import function_app

    for function in index_app(function_app.app):  # indexed once per process: the SDK refuses twice
        for binding in function.bindings:
            if binding.get("connection"):
                found[binding["connection"]] = f"the {binding['type']} binding of {function.name}"
    return found


def template_app_settings() -> dict[str, Any]:
    """The appsettings block as pycep gives it: literals as text, expressions as trees."""
    template = BicepParser().parse(file_path=TEMPLATE)
    for resource in template["resources"].values():
        config = resource.get("config") or {}
        if resource.get("type") == "Microsoft.Web/sites/config" and config.get("name") == "appsettings":
            return config["properties"]
    pytest.fail(f"{TEMPLATE.relative_to(ROOT)} has no Microsoft.Web/sites/config 'appsettings' resource")


def template_settings() -> set[str]:
    return set(template_app_settings())


def template_defaults() -> dict[str, str]:
    """App setting -> its value when nobody overrides a parameter: a literal of the appsettings block,
    or the default of the main.bicep parameter handed down as `settings.<key>` (possibly via string())."""
    main = BicepParser().parse(file_path=MAIN)
    handed_down, parameters = main["modules"]["api"]["config"]["params"]["settings"], main["parameters"]
    # pycep gives a literal and a bare identifier alike, as text: a parameter's name is no literal.
    references = set(BicepParser().parse(file_path=TEMPLATE)["parameters"])
    defaults = {}
    for name, value in template_app_settings().items():
        if isinstance(value, str) and "${" not in value and value not in references:
            defaults[name] = value
            continue
        operands = (value.get("operator") or {}).get("operands", {}) if isinstance(value, dict) else {}
        if operands.get("operand_1") != "settings":
            continue
        source = handed_down[operands["operand_2"]]
        if isinstance(source, dict):
            source = (source.get("function") or {}).get("parameters", {}).get("value_to_convert")
        if parameters.get(source, {}).get("default") is not None:
            defaults[name] = str(parameters[source]["default"])
    return defaults


def local_settings() -> set[str]:
    return set(json.loads((ROOT / "local.settings.example.json").read_text())["Values"])


def complaints(found: dict[str, str], declared: set[str]) -> list[str]:
    return [f"{name} is read ({where}) but not declared in {DECLARATION}"
            for name, where in sorted(found.items()) if name not in declared]


def test_every_setting_read_is_declared():
    # An identity-based connection's parts (NAME__blobServiceUri, ...) belong to its declaration.
    declared = {s.name for s in SETTINGS} | {name for s in SETTINGS if s.identity_connection
                                             for name in s.template_names()}
    found = {**read_in_code(), **read_by_readers(), **read_by_host()}
    assert complaints(found, declared) == []


def test_every_declared_setting_is_read():
    found = {**read_in_code(), **read_by_readers()}
    host = read_by_host()
    stale = [f"{s.name} is declared in {DECLARATION} as read by the {s.read_by}, but nothing reads it"
             for s in SETTINGS if (s.read_by == APP and s.name not in found)
             or (s.read_by == HOST and s.name not in host)]
    assert stale == []
    assert [s.name for s in SETTINGS if s.read_by in (LIBRARY, PLATFORM) and not s.why] == [], \
        "a setting read by a library or the platform says which and why, in `why`"


def test_the_template_sets_exactly_the_declared_settings():
    expected = {name: s for s in SETTINGS for name in s.template_names()}
    actual = template_settings()
    problems = [f"{name} ({expected[name].name}) is missing from the appsettings of {TEMPLATE.relative_to(ROOT)}"
                for name in sorted(set(expected) - actual)]
    problems += [f"{name} is set by {TEMPLATE.relative_to(ROOT)} but not declared in {DECLARATION} "
                 f"(or declared as left out of Azure)" for name in sorted(actual - set(expected))]
    assert problems == []


def test_the_template_defaults_are_the_apps_own_defaults():
    """Deployed with its defaults, the app behaves as with no setting at all: production defaults
    live in the code, and the template's parameters repeat them, not drift from them."""
    defaults = template_defaults()
    assert {"LCS_BASE_URL", "DATAVERSE_ALLOWED_HOSTS", "LINK_CONFIRMATION_TIMEOUT", "HTTP_MAX_RETRIES",
            "LCS_METADATA_CALLS_PER_MINUTE"} <= set(defaults)
    differing = [f"{name}: the template's default {defaults[name]!r} is not what {reader} assumes without it"
                 for reader, read, asked in readers() for name in sorted(asked & set(defaults))
                 if read({name: defaults[name]}) != read({})]
    assert differing == []


def test_the_local_example_holds_exactly_the_declared_local_settings():
    expected = {s.name for s in SETTINGS if s.local == SET}
    actual = local_settings()
    problems = [f"{name} is missing from local.settings.example.json" for name in sorted(expected - actual)]
    problems += [f"{name} is in local.settings.example.json but not declared in {DECLARATION} "
                 f"(or declared as left out locally)" for name in sorted(actual - expected)]
    assert problems == []


def test_a_setting_left_out_says_why():
    silent = [s.name for s in SETTINGS if not s.azure.strip() or not s.local.strip()]
    assert silent == []


def test_azure_runs_the_python_the_app_is_tested_with():
    variables = BicepParser().parse(file_path=TEMPLATE)["variables"]
    assert variables["pythonVersion"]["value"] == f"{sys.version_info.major}.{sys.version_info.minor}"


def test_the_recorder_and_the_scanner_see_reads():
    """Negative controls: the two detectors find a read they are shown."""
    assert list(literal_lookups(ast.parse("import os\nos.environ.get('X_ONE')\nos.getenv('X_TWO')\n"
                                          "os.environ['X_THREE']"))) == ["X_ONE", "X_TWO", "X_THREE"]
    assert complaints({"X_ONE": "somewhere.py"}, set()) == [
        f"X_ONE is read (somewhere.py) but not declared in {DECLARATION}"]
    assert "LCS_TOKEN_CACHE" in read_by_readers()
