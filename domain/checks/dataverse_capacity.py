"""dataverse-capacity: the tenant has at least 1 GB of Dataverse database capacity free, and Power
Platform reports it usable (an overage in any storage type blocks new environments and copies)."""

from __future__ import annotations

from domain import facts as F
from domain.checks.engine import FAILED, PASSED, Check, CheckResult, verdict
from domain.request import LinkRequest

MIN_FREE_DATABASE_MB = 1024.0
AVAILABLE = "Available"


def rule(request: LinkRequest, capacity: F.CapacityFacts) -> CheckResult:
    free = capacity.database_total_mb - capacity.database_used_mb
    evidence = {"databaseTotalMb": round(capacity.database_total_mb, 1),
                "databaseUsedMb": round(capacity.database_used_mb, 1), "databaseFreeMb": round(free, 1),
                "status": capacity.status}
    if free >= MIN_FREE_DATABASE_MB and (capacity.status or AVAILABLE).lower() != AVAILABLE.lower():
        return verdict(FAILED, f"{free / 1024:.1f} GB of Dataverse database capacity is free, but Power Platform "
                               f"reports the database capacity as {capacity.status}, not {AVAILABLE}.",
                       "Resolve the capacity status in Power Platform admin center > Licensing > Capacity (an "
                       "overage in any storage type blocks new environments and copies), then check again.",
                       **evidence)
    if free >= MIN_FREE_DATABASE_MB:
        return verdict(PASSED, f"{free / 1024:.1f} GB of Dataverse database capacity is free.", **evidence)
    return verdict(
        FAILED, f"Only {max(free, 0) / 1024:.2f} GB of Dataverse database capacity is free; setup needs at least 1 GB.",
        "Free up database capacity (delete unused environments or data) or buy more Dataverse database "
        "capacity, then check again. See Power Platform admin center > Licensing > Capacity.", **evidence)


CHECK = Check(
    id="dataverse-capacity",
    title="At least 1 GB of Dataverse database capacity is free in the tenant",
    needs=(F.CAPACITY,),
    rule=rule,
    order=10,
    revalidated=True,  # other environments of the tenant can use it up while a person confirms
)
