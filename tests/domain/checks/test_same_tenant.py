"""same-tenant: one tenant for the operator, the LCS sign-in and the target; no guests."""

import pytest

from domain import facts as F
from domain.checks.same_tenant import CHECK
from tests.domain.checks.happy import TENANT, UNIFIED, check as run, expect, with_


@pytest.mark.parametrize("changes, outcome, words", [
    ({}, "passed", f"in tenant {TENANT}"),
    (with_(F.TARGET, tenant_id="99999999-9999-9999-9999-999999999999"), "failed", "not all in one tenant"),
    (with_(F.OPERATOR, user_type="Guest"), "failed", "guest"),
    (with_(F.TARGET, tenant_id=TENANT.upper()), "passed", "All three"),
    (with_(F.TARGET, tenant_id=None), "passed", "All three"),
])
def test_outcome(changes, outcome, words):
    expect(CHECK, changes, outcome, words)


def test_unified_mode_compares_the_operator_and_the_target_only():
    result = run(CHECK, {F.LCS_ENVIRONMENT: None}, request=UNIFIED)
    assert result.outcome == "passed" and result.detail.startswith("Both are in tenant")
    assert "lcsSignIn" not in result.evidence["tenants"]
