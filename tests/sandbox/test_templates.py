"""The sandbox's templates are the captured Microsoft payloads, byte for byte.

The sandbox may not read the test fixtures at run time, so it keeps copies; this keeps the copies
honest: each template is listed in sandbox/templates/SOURCES.md with the fixture it copies, and equals it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "sandbox" / "templates"
FIXTURES = ROOT / "tests" / "fixtures" / "microsoft"
ROW = re.compile(r"^\| (?P<template>[\w.-]+\.json) \| (?P<fixture>[\w-]+/[\w.-]+\.json)\b", re.MULTILINE)


def listed() -> dict[str, str]:
    return {m["template"]: m["fixture"] for m in ROW.finditer((TEMPLATES / "SOURCES.md").read_text(encoding="utf-8"))}


def test_every_template_is_listed_with_its_fixture():
    assert {p.name for p in TEMPLATES.glob("*.json")} == set(listed())


@pytest.mark.parametrize("template, fixture", sorted(listed().items()))
def test_template_is_a_verbatim_copy_of_its_fixture(template, fixture):
    assert (TEMPLATES / template).read_bytes() == (FIXTURES / fixture).read_bytes()
