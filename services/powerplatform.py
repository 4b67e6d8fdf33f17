"""Power Platform API: tenant capacity."""

from __future__ import annotations

from typing import Any

from services.errors import ServiceError
from services.http import ServiceHttp
from services.models import TenantCapacity

SERVICE = "powerplatform"
TENANT_CAPACITY = "/licensing/tenantCapacity"
API_VERSION = "2022-03-01-preview"


class PowerPlatformClient:
    def __init__(self, http: ServiceHttp, base_url: str):
        self._http = http
        self._base = base_url.rstrip("/")

    def get_tenant_capacity(self) -> TenantCapacity:
        body = self._http.get_json("get_tenant_capacity", self._base + TENANT_CAPACITY,
                                   params={"api-version": API_VERSION})
        return parse_tenant_capacity(body)


def parse_tenant_capacity(payload: Any) -> TenantCapacity:
    """The Database entry of tenantCapacities (MB). Free capacity is total - actual."""
    entries = payload.get("tenantCapacities") if isinstance(payload, dict) else None
    for entry in entries or ():
        if isinstance(entry, dict) and entry.get("capacityType") == "Database":
            if entry.get("capacityUnits", "MB") != "MB":
                raise ServiceError(SERVICE, "get_tenant_capacity", 200, "UnexpectedResponse",
                                   f"Database capacity in {entry.get('capacityUnits')}, not MB")
            consumption = entry.get("consumption") or {}
            rated = consumption.get("rated")
            return TenantCapacity(
                database_total_mb=float(entry.get("totalCapacity") or 0.0),
                database_actual_mb=float(consumption.get("actual") or 0.0),
                database_rated_mb=float(rated) if rated is not None else None,
                status=entry.get("status") or (payload.get("capacitySummary") or {}).get("status"),
            )
    raise ServiceError(SERVICE, "get_tenant_capacity", 200, "NoDatabaseCapacity",
                       "no Database entry in tenantCapacities: the free database capacity is unknown",
                       remedy="Check by hand in Power Platform admin center > Licensing > Capacity > Summary that "
                              "at least 1 GB of Dataverse database capacity is free before linking.")
