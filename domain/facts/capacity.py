"""The tenant's Dataverse database capacity (Power Platform API)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.facts.base import FactSpec


@dataclass(frozen=True)
class CapacityFacts:
    database_total_mb: float
    database_used_mb: float
    status: str | None = None


FACT = FactSpec(name="capacity", value_type=CapacityFacts, activity="gather_capacity", order=40)
