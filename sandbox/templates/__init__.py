"""Captured Microsoft payloads used as the skeleton of the sandbox's answers (see SOURCES.md)."""
from __future__ import annotations

import copy
import functools
import json
from pathlib import Path

_DIR = Path(__file__).parent


@functools.lru_cache(maxsize=None)
def _load(name: str) -> object:
    return json.loads((_DIR / name).read_text(encoding="utf-8"))


def template(name: str) -> object:
    """A fresh deep copy of the named template (callers fill it in place)."""
    return copy.deepcopy(_load(name))
