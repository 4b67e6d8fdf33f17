"""The license tables: SKU lookup and their consistency (the operator-license check that judges
licenses by them: tests/domain/checks/test_operator_license.py)."""

import pytest

from domain.licenses import QUALIFYING_PLANS, QUALIFYING_SKUS, qualifying_sku

E5 = "c7df2760-2c81-4ef7-b578-5b5392b571df"


@pytest.mark.parametrize("sku_id, part, product", [
    ("55C9EB4E-C746-45B4-B255-9AB6B19D5C62", None, "Dynamics 365 Finance"),
    (None, "dynamics_365_for_operations", "Dynamics 365 UNF OPS Plan ENT Edition"),
    (E5, "ENTERPRISEPREMIUM", None),
])
def test_sku_lookup(sku_id, part, product):
    found = qualifying_sku(sku_id, part)
    assert (found.product if found else None) == product


def test_tables_are_consistent():
    plans = {p.id for p in QUALIFYING_PLANS}
    assert len(plans) == len(QUALIFYING_PLANS)
    assert all(p in plans for s in QUALIFYING_SKUS for p in s.plans)
    assert {p.product for p in QUALIFYING_PLANS} == {"Finance", "Supply Chain Management", "Commerce",
                                                     "Project Operations", "Human Resources", "Unified Operations Plan"}
