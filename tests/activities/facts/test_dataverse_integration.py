"""The Dataverse integration fact: RetrieveFinanceAndOperationsIntegrationDetails, linked or not."""

from __future__ import annotations

from activities.facts.dataverse_integration import gather_dataverse_integration
from domain import facts as F
from services import models as M
from tests.activities.facts.support import DATAVERSE_URL, run


def test_dataverse_integration_not_linked(fake):
    value = run(gather_dataverse_integration, instanceUrl="https://x.crm.dynamics.com").value
    assert value == F.DataverseIntegrationFacts(linked=False)


def test_dataverse_integration_linked(fake):
    fake.dataverse_client.integration = M.FinOpsIntegration("https://fo.example", "t1", "env-1")
    value = run(gather_dataverse_integration, instanceUrl=DATAVERSE_URL).value
    assert value == F.DataverseIntegrationFacts(linked=True, environment_id="env-1", url="https://fo.example")
