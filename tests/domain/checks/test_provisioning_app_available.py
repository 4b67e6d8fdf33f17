"""provisioning-app-available: both packages offered; Platform Tools not installed yet still passes."""

from dataclasses import replace

import pytest

from domain import facts as F
from domain.checks.provisioning_app_available import CHECK
from tests.domain.checks.happy import HAPPY, check, expect

PACKAGES = HAPPY[F.APPLICATION_PACKAGES]


def packages(**changes):
    return {F.APPLICATION_PACKAGES: replace(PACKAGES, **changes)}


@pytest.mark.parametrize("changes, outcome, words", [
    (packages(), "passed", "offered both apps (provisioning app None, Platform Tools Installed)"),
    (packages(platform_tools=replace(PACKAGES.platform_tools, state="None")), "passed", "the run installs it first"),
    (packages(provisioning_app=None), "failed", "not offered the Dynamics 365 Finance and Operations Provisioning App"),
    (packages(platform_tools=None), "failed", "not offered the Dynamics 365 Finance and Operations Platform Tools"),
    (packages(provisioning_app=None, platform_tools=None), "failed", "Provisioning App or the Dynamics 365"),
])
def test_outcome(changes, outcome, words):
    expect(CHECK, changes, outcome, words)


def test_a_failure_names_the_licences_that_bring_the_apps():
    result = check(CHECK, packages(provisioning_app=None))
    assert "license" in result.remediation and result.evidence["provisioningAppState"] is None
