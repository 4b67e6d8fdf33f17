"""Power Platform API: tenant capacity (application packages: application_packages.py)."""

from __future__ import annotations

from typing import Any

from services.capacity import DATAVERSE_DATABASE, OPERATIONS_DATABASE, StorageCapacity, parse_capacities
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
        return parse_tenant_capacity(self._read_capacity())

    def get_capacities(self) -> dict[str, StorageCapacity]:
        """Every storage type's capacity, e.g. Operations database (FinOpsDatabase) for setupMode unified."""
        return parse_capacities(self._read_capacity())

    def _read_capacity(self) -> Any:
        return self._http.get_json("get_tenant_capacity", self._base + TENANT_CAPACITY,
                                   params={"api-version": API_VERSION})


def parse_tenant_capacity(payload: Any) -> TenantCapacity:
    """The Database entry of tenantCapacities (MB). Free capacity is total - actual."""
    capacities = parse_capacities(payload)
    entry = capacities.get(DATAVERSE_DATABASE)
    if entry is not None:
        if entry.units != "MB":
            raise ServiceError(SERVICE, "get_tenant_capacity", 200, "UnexpectedResponse",
                               f"Database capacity in {entry.units}, not MB")
        status = entry.status or ((payload.get("capacitySummary") or {}).get("status"))
        return TenantCapacity(database_total_mb=entry.total, database_actual_mb=entry.actual,
                              database_rated_mb=entry.rated, status=status,
                              operations=capacities.get(OPERATIONS_DATABASE))
    raise ServiceError(SERVICE, "get_tenant_capacity", 200, "NoDatabaseCapacity",
                       "no Database entry in tenantCapacities: the free database capacity is unknown",
                       remedy="Check by hand in Power Platform admin center > Licensing > Capacity > Summary that "
                              "at least 1 GB of Dataverse database capacity is free before linking.")
