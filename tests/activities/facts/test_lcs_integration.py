"""The LCS integration fact: LCS's own integration state (lcs-api contract)."""

from __future__ import annotations

from activities.facts.lcs_integration import gather_lcs_integration
from domain import facts as F
from services import models as M
from tests.activities.facts.support import run
from tests.activities.fakes import TARGET


def test_lcs_integration_state(fake):
    assert run(gather_lcs_integration).value == F.LcsIntegrationFacts("NotConfigured")
    fake.lcs_client.integration = M.LcsIntegration("Configured", TARGET, "22222222-2222-2222-2222-222222222222")
    assert run(gather_lcs_integration).value == F.LcsIntegrationFacts(
        "Configured", TARGET, "22222222-2222-2222-2222-222222222222")
