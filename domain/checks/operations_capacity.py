"""operations-capacity: the tenant has at least 1 GB of Operations database capacity (FinOpsDatabase)
free, as the provisioning app needs (setupMode unified)."""

from __future__ import annotations

from domain import facts as F
from domain.checks.dataverse_capacity import MIN_FREE_DATABASE_MB
from domain.checks.engine import FAILED, PASSED, Check, CheckResult, verdict
from domain.request import LinkRequest


def rule(request: LinkRequest, capacity: F.CapacityFacts) -> CheckResult:
    total, used = capacity.operations_total_mb, capacity.operations_used_mb
    if total is None:
        return verdict(FAILED, "The tenant reports no Operations database capacity.",
                       "Finance and operations needs at least 1 GB of Operations database capacity: it comes with "
                       "finance and operations licences or add-ons. See Power Platform admin center > Licensing > "
                       "Capacity.", operationsTotalMb=None)
    free = total - (used or 0.0)
    evidence = {"operationsTotalMb": round(total, 1), "operationsUsedMb": round(used or 0.0, 1),
                "operationsFreeMb": round(free, 1)}
    if free >= MIN_FREE_DATABASE_MB:
        return verdict(PASSED, f"{free / 1024:.1f} GB of Operations database capacity is free.", **evidence)
    return verdict(FAILED, f"Only {max(free, 0) / 1024:.2f} GB of Operations database capacity is free; the install "
                           "needs at least 1 GB.",
                   "Free up Operations database capacity (delete unused finance and operations environments) or buy "
                   "more, then check again. See Power Platform admin center > Licensing > Capacity.", **evidence)


CHECK = Check(
    id="operations-capacity",
    title="At least 1 GB of Operations database capacity is free in the tenant",
    needs=(F.CAPACITY,),
    rule=rule,
    order=12,
    revalidated=True,  # other environments can use it up while a person confirms
    modes=frozenset({"unified"}),
)
