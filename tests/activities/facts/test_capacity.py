"""The capacity fact: the tenant's Dataverse database capacity from the Power Platform API."""

from __future__ import annotations

from activities.facts.capacity import gather_capacity
from domain import facts as F
from services import models as M
from services.errors import Throttled
from tests.activities.facts.support import run


def test_capacity_is_total_and_used(fake):
    assert run(gather_capacity).value == F.CapacityFacts(10240.0, 2048.5, "Available")


def test_a_throttled_capacity_read_is_a_transient_error(fake):
    class Throttling:
        def get_tenant_capacity(self):
            raise Throttled("powerplatform", "get_tenant_capacity", 429, None, "slow down", retry_after=7.0)
    fake.powerplatform = Throttling()
    error = run(gather_capacity).error
    assert error.transient and error.retry_after == 7.0 and error.status == 429


def test_operations_capacity_comes_from_the_same_answer_or_is_unknown(fake):
    from services.capacity import StorageCapacity

    assert run(gather_capacity).value.operations_total_mb is None
    fake.powerplatform.capacity = M.TenantCapacity(10240.0, 2048.5, None, "Available",
                                                   StorageCapacity("FinOpsDatabase", "MB", 71680.0, 10240.0, None, None))
    value = run(gather_capacity).value
    assert (value.operations_total_mb, value.operations_used_mb) == (71680.0, 10240.0)
