"""target-not-linked: BAP's linkedAppMetadata and Dataverse's integration details, either one enough."""

import pytest

from domain import facts as F
from domain.checks.target_not_linked import CHECK
from tests.domain.checks.happy import LCS_ENV, expect, with_

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
