"""checkov over infra/: no failed check, no file it could not parse, and every skip gives its reason.

checkov runs from .venv-tools (scripts/bootstrap.sh; its pins clash with the app's). Offline it
knows no severities (they come from Prisma Cloud), so every failed check fails this test, not only
HIGH ones; a check accepted on purpose is skipped in the template with `checkov:skip=ID:reason`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKOV = ROOT / ".venv-tools" / "bin" / "checkov"


@pytest.fixture(scope="module")
def report() -> dict:
    if not CHECKOV.exists():
        pytest.fail("checkov is not installed: run scripts/bootstrap.sh (it makes .venv-tools)")
    answer = subprocess.run([str(CHECKOV), "--directory", str(ROOT / "infra"), "--framework", "bicep",
                             "--output", "json", "--skip-download"],
                            capture_output=True, text=True, timeout=600)
    assert answer.stdout.strip(), f"checkov printed nothing: {answer.stderr[-2000:]}"
    return json.loads(answer.stdout)


def test_no_failed_check(report):
    failed = [f"{c['check_id']} {c['check_name']} ({c['file_path']}:{c['file_line_range']}, {c['resource']})"
              for c in report["results"]["failed_checks"]]
    assert failed == []


def test_every_template_was_parsed(report):
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > 0


def test_every_skip_gives_a_reason(report):
    unexplained = [c["check_id"] for c in report["results"]["skipped_checks"]
                   if len((c.get("check_result") or {}).get("suppress_comment") or "") < 20]
    assert unexplained == []
