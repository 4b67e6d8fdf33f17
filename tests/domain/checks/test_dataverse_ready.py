"""dataverse-ready: a database, created with Dynamics 365 apps, Ready, and not in administration mode."""

import pytest

from domain import facts as F
from domain.checks.dataverse_ready import CHECK
from tests.domain.checks.happy import check, expect, with_


@pytest.mark.parametrize("changes, outcome, words", [
    ({}, "passed", "ready and Dynamics 365 apps are enabled"),
    (with_(F.TARGET, has_dataverse=False, instance_url=None), "failed", "no Dataverse"),
    (with_(F.TARGET, templates=()), "failed", "without Dynamics 365 apps"),
    (with_(F.TARGET, instance_state="Provisioning"), "failed", "not ready"),
    (with_(F.TARGET, management_state="NotReady"), "failed", "management NotReady"),
    (with_(F.TARGET, runtime_state="AdminMode"), "warning", "AdminMode"),
])
def test_outcome(changes, outcome, words):
    expect(CHECK, changes, outcome, words)


def test_administration_mode_warns_without_blocking():
    assert not check(CHECK, with_(F.TARGET, runtime_state="AdminMode")).blocks_setup
