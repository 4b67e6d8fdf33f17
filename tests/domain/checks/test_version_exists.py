"""version-exists: latest, a release (its builds) or a build; a warning while Platform Tools, which
brings the list, is not installed; a failure once it is and the version is not offered."""

from dataclasses import replace

import pytest

from domain import facts as F
from domain.checks.version_exists import CHECK
from tests.domain.checks.happy import HAPPY, UNIFIED, check

TOOLS_MISSING = {F.FINOPS_VERSIONS: F.FinopsVersionsFacts(None), F.APPLICATION_PACKAGES: replace(
    HAPPY[F.APPLICATION_PACKAGES], platform_tools=replace(HAPPY[F.APPLICATION_PACKAGES].platform_tools, state="None"))}


def asking(version):
    return replace(UNIFIED, provisioningApp={**UNIFIED.provisioningApp, "version": version})


@pytest.mark.parametrize("version, outcome, chosen", [
    ("latest", "passed", "10.0.46.1"), ("10.0.44", "passed", "10.0.44.5"), ("10.0.45.3", "passed", "10.0.45.3"),
    ("10.0.43", "failed", None), ("10.0.4", "failed", None), ("10.0.45.2", "failed", None),
])
def test_outcome(version, outcome, chosen):
    result = check(CHECK, request=asking(version))
    assert result.outcome == outcome, result.detail
    assert result.evidence.get("chosenVersion") == chosen


def test_a_failure_lists_what_is_offered():
    result = check(CHECK, request=asking("10.0.43"))
    assert "offered: 10.0.44.5, 10.0.45.3, 10.0.46.1" in result.detail and '"latest"' in result.remediation


def test_before_platform_tools_is_installed_it_warns_and_is_asked_again():
    result = check(CHECK, TOOLS_MISSING, request=asking("10.0.44"))
    assert result.outcome == "warning" and "checked again" in result.detail


def test_no_list_once_platform_tools_is_installed_fails():
    result = check(CHECK, {F.FINOPS_VERSIONS: F.FinopsVersionsFacts(None)}, request=asking("latest"))
    assert result.outcome == "failed" and "(offered: none)" in result.detail
