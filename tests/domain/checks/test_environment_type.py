"""environment-type: Sandbox and Trial pass; Production, Developer and an unreported type fail."""

import pytest

from domain import facts as F
from domain.checks.environment_type import CHECK
from tests.domain.checks.happy import UNIFIED, check, expect, with_


@pytest.mark.parametrize("changes, outcome, words", [
    (with_(F.TARGET, sku="Sandbox"), "passed", "is a Sandbox environment"),
    (with_(F.TARGET, sku="Trial"), "passed", "is a Trial environment"),
    (with_(F.TARGET, sku="Production"), "failed", "is a Production environment"),
    (with_(F.TARGET, sku="Developer"), "failed", "Sandbox and Trial (subscription-based) environments only"),
    (with_(F.TARGET, sku=None), "failed", "did not report"),
])
def test_outcome(changes, outcome, words):
    expect(CHECK, changes, outcome, words)


def test_it_applies_to_the_unified_mode_only_and_shows_the_type():
    assert CHECK.modes == {"unified"}
    result = check(CHECK, with_(F.TARGET, sku="Production"), request=UNIFIED)
    assert result.evidence == {"environmentSku": "Production", "supported": ["Sandbox", "Trial"]}
    assert "convert this one to Sandbox" in result.remediation
