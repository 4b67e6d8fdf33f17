"""The Dataverse integration fact: whether the target's Dataverse already knows a finance and
operations link (RetrieveFinanceAndOperationsIntegrationDetails). Its input carries the instance URL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from activities.clients import clients
from activities.facts._gather import fact_activity, gather_fact

if TYPE_CHECKING:
    from domain.facts.dataverse_integration import DataverseIntegrationFacts


@fact_activity
def gather_dataverse_integration(payload: dict) -> dict:
    from domain.facts.dataverse_integration import FACT

    return gather_fact(FACT, payload, fetch_dataverse_integration)


def fetch_dataverse_integration(payload: dict[str, Any]) -> "DataverseIntegrationFacts":
    from domain.facts.dataverse_integration import DataverseIntegrationFacts

    integration = clients().dataverse(payload["instanceUrl"]).get_finops_integration()
    if integration is None:
        return DataverseIntegrationFacts(linked=False)
    return DataverseIntegrationFacts(linked=True, environment_id=integration.environment_id, url=integration.url)
