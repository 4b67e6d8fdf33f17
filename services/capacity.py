"""Tenant capacity per storage type (Power Platform API licensing/tenantCapacity): Dataverse
database (`Database`) and Operations database (`FinOpsDatabase`) among them. Free = total - actual."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DATAVERSE_DATABASE = "Database"
OPERATIONS_DATABASE = "FinOpsDatabase"


@dataclass(frozen=True)
class StorageCapacity:
    capacity_type: str
    units: str | None
    total: float
    actual: float
    rated: float | None
    status: str | None

    @property
    def free(self) -> float:
        return self.total - self.actual


def parse_capacities(payload: Any) -> dict[str, StorageCapacity]:
    """Every entry of tenantCapacities by capacityType (a type the tenant lacks is absent)."""
    entries = payload.get("tenantCapacities") if isinstance(payload, dict) else None
    found = {}
    for entry in entries or ():
        if not isinstance(entry, dict) or not entry.get("capacityType"):
            continue
        consumption = entry.get("consumption") or {}
        rated = consumption.get("rated")
        found[str(entry["capacityType"])] = StorageCapacity(
            capacity_type=str(entry["capacityType"]),
            units=entry.get("capacityUnits", "MB"),
            total=float(entry.get("totalCapacity") or 0.0),
            actual=float(consumption.get("actual") or 0.0),
            rated=float(rated) if rated is not None else None,
            status=entry.get("status"),
        )
    return found
