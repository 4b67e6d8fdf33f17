"""Whether the target's Dataverse already knows a finance and operations link
(RetrieveFinanceAndOperationsIntegrationDetails)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.facts.base import FactSpec
from domain.facts.target import FACT as TARGET, dataverse_instance


@dataclass(frozen=True)
class DataverseIntegrationFacts:
    linked: bool
    environment_id: str | None = None
    url: str | None = None


FACT = FactSpec(name="dataverseIntegration", value_type=DataverseIntegrationFacts,
                activity="gather_dataverse_integration", order=90, after=(TARGET.name,), build_input=dataverse_instance)
