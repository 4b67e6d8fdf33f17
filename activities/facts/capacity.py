"""The capacity fact: the tenant's Dataverse database capacity (Power Platform API)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from activities.clients import clients
from activities.facts._gather import fact_activity, gather_fact

if TYPE_CHECKING:
    from domain.facts.capacity import CapacityFacts


@fact_activity
def gather_capacity(payload: dict) -> dict:
    from domain.facts.capacity import FACT

    return gather_fact(FACT, payload, fetch_capacity)


def fetch_capacity(payload: dict[str, Any]) -> "CapacityFacts":
    from domain.facts.capacity import CapacityFacts

    capacity = clients().powerplatform.get_tenant_capacity()
    operations = capacity.operations
    return CapacityFacts(capacity.database_total_mb, capacity.database_actual_mb, capacity.status,
                         operations_total_mb=operations.total if operations else None,
                         operations_used_mb=operations.actual if operations else None)
