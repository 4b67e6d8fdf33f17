"""operator-license against real licenseDetails shapes: every qualifying SKU and service plan, bundles,
disabled plans, and licenses that do not qualify (the tables themselves: tests/domain/test_licenses.py)."""

import pytest

from domain import facts as F
from domain.checks.operator_license import CHECK
from domain.licenses import QUALIFYING_PLANS, QUALIFYING_SKUS
from tests.domain.checks.happy import HAPPY, check as run, with_

E5 = "c7df2760-2c81-4ef7-b578-5b5392b571df"
BUNDLE = "11111111-2222-3333-4444-555555555555"  # a SKU no table knows
FINANCE_SKU = "55c9eb4e-c746-45b4-b255-9ab6b19d5c62"
FINANCE_PLAN = "9f0e1b4e-9b33-4300-b451-b2c662cd4ff7"
PLANS = {p.id: p for p in QUALIFYING_PLANS}


def plan(plan_id, status="Success", name=None):
    return F.ServicePlanRef(plan_id, name or (PLANS[plan_id].name if plan_id in PLANS else "OTHER"), status)


def check(*licenses):
    return run(CHECK, with_(F.OPERATOR, licenses=licenses))


def test_the_happy_operator_passes():
    assert run(CHECK).outcome == "passed"
    assert run(CHECK).evidence["assignedSkuIds"] == [lic.sku_id for lic in HAPPY[F.OPERATOR].licenses]


def test_an_office_license_alone_fails():
    result = check(F.LicenseRef(E5))
    assert result.outcome == "failed" and "holds no enabled" in result.detail


@pytest.mark.parametrize("sku", [s for s in QUALIFYING_SKUS if s.plans], ids=lambda s: s.sku_part_number)
def test_every_qualifying_sku_passes_with_its_plan_enabled(sku):
    result = check(F.LicenseRef(sku.sku_id.upper(), sku.sku_part_number, tuple(plan(p) for p in sku.plans)))
    assert result.outcome == "passed", result.detail
    assert result.evidence["matchedSkuPartNumber"] == sku.sku_part_number
    assert result.evidence["matchedServicePlan"] == PLANS[sku.plans[0]].name


@pytest.mark.parametrize("qualifying", QUALIFYING_PLANS, ids=lambda p: p.name)
def test_every_qualifying_plan_passes_inside_any_bundle(qualifying):
    result = check(F.LicenseRef(BUNDLE, "SOME_BUNDLE", (plan("9aaf7827-d63c-4b61-89c3-182f06f82e5c"), plan(qualifying.id))))
    assert result.outcome == "passed", result.detail
    assert result.evidence["matchedServicePlan"] == qualifying.name
    assert result.evidence["matchedProduct"] == qualifying.product
    assert f"service plan {qualifying.name} of SOME_BUNDLE" in result.detail


@pytest.mark.parametrize("qualifying", QUALIFYING_PLANS, ids=lambda p: p.name)
@pytest.mark.parametrize("status", ["Disabled", "PendingActivation", "PendingInput", "PendingProvisioning", "Error"])
def test_a_plan_that_is_not_provisioned_does_not_qualify(qualifying, status):
    result = check(F.LicenseRef(BUNDLE, "SOME_BUNDLE", (plan(qualifying.id, status),)))
    assert result.outcome == "failed"
    assert f"{qualifying.name} is provisioningStatus {status}" in result.detail
    assert result.evidence["financeAndOperationsLicenses"][0]["qualified"] is False


@pytest.mark.parametrize("sku", [s for s in QUALIFYING_SKUS if s.plans], ids=lambda s: s.sku_part_number)
def test_a_plan_in_disabled_plans_does_not_qualify(sku):
    result = check(F.LicenseRef(sku.sku_id, sku.sku_part_number, tuple(plan(p) for p in sku.plans), tuple(sku.plans)))
    assert result.outcome == "failed"
    assert "disabled in the user's license (disabledPlans)" in result.detail


def test_one_enabled_plan_is_enough_when_another_license_is_disabled():
    result = check(F.LicenseRef(FINANCE_SKU, "DYN365_FINANCE", (plan(FINANCE_PLAN),), (FINANCE_PLAN,)),
                   F.LicenseRef(BUNDLE, "SOME_BUNDLE", (plan("1224eae4-0d91-474a-8a52-27ec96a63fe7"),)))
    assert result.outcome == "passed" and result.evidence["matchedServicePlan"] == "D365_SCM"


def test_a_qualifying_sku_without_its_plan_listed_does_not_pass():
    result = check(F.LicenseRef(FINANCE_SKU, "DYN365_FINANCE",
                                (plan("113feb6c-3fe4-4440-bddc-54d774bf0318", name="EXCHANGE_S_FOUNDATION"),)))
    assert result.outcome == "failed" and "DYN365_FINANCE lists none" in result.detail


def test_team_members_and_office_do_not_qualify():
    team_members = "f5aa7b45-8a36-4cd1-bc37-5d06dea98645"  # Dynamics_365_for_Operations_Team_members
    result = check(F.LicenseRef("8e7a3d30-d97d-43ab-837c-d7701cef83dc", "DYN365_ENTERPRISE_TEAM_MEMBERS",
                                (plan(team_members),)), F.LicenseRef(E5, "ENTERPRISEPREMIUM", ()))
    assert result.outcome == "failed" and "no license contains" in result.detail


@pytest.mark.parametrize("status, outcome", [("Enabled", "passed"), ("Warning", "passed"), (None, "passed"),
                                             ("Suspended", "failed"), ("Deleted", "failed"), ("LockedOut", "failed")])
def test_the_tenant_subscription_must_be_usable(status, outcome):
    result = check(F.LicenseRef(FINANCE_SKU, "DYN365_FINANCE", (plan(FINANCE_PLAN),), capability_status=status))
    assert result.outcome == outcome
    if outcome == "failed":
        assert f"the tenant's subscription to DYN365_FINANCE is {status}" in result.detail


def test_ax_enterprise_is_known_by_part_number():
    result = check(F.LicenseRef("00000000-0000-0000-0000-0000000000aa", "AX_ENTERPRISE_USER", ()))
    assert result.outcome == "passed" and result.evidence["matchedProduct"] == "AX Enterprise"


def test_a_license_recorded_before_license_details_were_read_is_judged_by_its_sku():
    """Facts recorded by release stop-8 (contract version 1) carry no service plans: a replay of such a
    run must reach the verdict it reached then, so the SKU alone decides."""
    assert check(F.LicenseRef(FINANCE_SKU)).outcome == "passed"
    assert check(F.LicenseRef(E5)).outcome == "failed"
    assert check(F.LicenseRef(FINANCE_SKU, None, ())).outcome == "failed"
