"""target-not-linked: BAP's linkedAppMetadata and Dataverse's integration details, either one enough."""

import pytest

from domain import facts as F
from domain.checks.target_not_linked import CHECK
from tests.domain.checks.happy import LCS_ENV, UNIFIED, check as run, expect, with_

OTHER = "33333333-3333-3333-3333-333333333333"


@pytest.mark.parametrize("changes, outcome, words", [
    ({}, "passed", "not linked to any"),
    (with_(F.TARGET, linked_app=F.LinkedApp("Linked", OTHER)), "failed",
     "already linked to finance and operations environment 3333"),
    (with_(F.DATAVERSE_INTEGRATION, linked=True, environment_id=OTHER), "failed", "already linked"),
    (with_(F.TARGET, linked_app=F.LinkedApp("Linked", LCS_ENV.replace("-", "").upper())), "failed",
     "nothing to set up"),
])
def test_outcome(changes, outcome, words):
    expect(CHECK, changes, outcome, words)


def test_unified_mode_adopts_finance_and_operations_installed_here_but_refuses_an_lcs_link():
    installed = with_(F.TARGET, linked_app=F.LinkedApp("Internal", "2f1d8b6e-4c3a-4e59-9a7d-6b0c1e8f5a24"))
    assert run(CHECK, installed, request=UNIFIED).outcome == "passed"
    lcs_linked = with_(F.TARGET, linked_app=F.LinkedApp("Linked", "2f1d8b6e-4c3a-4e59-9a7d-6b0c1e8f5a24"))
    assert run(CHECK, lcs_linked, request=UNIFIED).outcome == "failed"
