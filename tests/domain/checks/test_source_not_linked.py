"""source-not-linked: the environments LCS links, and LCS's own integration state where it is read."""

from dataclasses import replace

import pytest

from domain import facts as F
from domain.checks.source_not_linked import CHECK
from tests.domain.checks.happy import REQUEST, TARGET_ID, check, expect, with_


@pytest.mark.parametrize("changes, outcome, words", [
    ({}, "passed", "Only the initial environment 'Initial env'"),
    (with_(F.LCS_LINKS, environments=(F.EnvironmentRef("44444444-4444-4444-4444-444444444444", "Other DV", True),)),
     "failed", "Other DV"),
    (with_(F.LCS_LINKS, environments=()), "passed", "not linked to any"),
])
def test_outcome(changes, outcome, words):
    expect(CHECK, changes, outcome, words)


def test_lcs_integration_state_blocks_in_lcs_api_mode():
    request = replace(REQUEST, setupMode="lcs-api")
    in_progress = F.FactResult(F.LCS_INTEGRATION, value=F.LcsIntegrationFacts("SetupInProgress", TARGET_ID))
    assert check(CHECK, request=request, results=[in_progress]).outcome == "failed"
    not_configured = F.FactResult(F.LCS_INTEGRATION, value=F.LcsIntegrationFacts("NotConfigured"))
    assert check(CHECK, request=request, results=[not_configured]).outcome == "passed"


def test_without_the_lcs_integration_state_the_links_decide():
    result = check(CHECK)
    assert result.outcome == "passed" and "lcsIntegrationState" not in result.evidence
