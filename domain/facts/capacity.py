"""The tenant's Dataverse and Operations database capacity (Power Platform API)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.facts.base import FactSpec


@dataclass(frozen=True)
class CapacityFacts:
    database_total_mb: float
    database_used_mb: float
    status: str | None = None
    # FinOpsDatabase: None when the tenant reports no Operations database capacity.
    operations_total_mb: float | None = None
    operations_used_mb: float | None = None


FACT = FactSpec(name="capacity", value_type=CapacityFacts, activity="gather_capacity", order=40)
