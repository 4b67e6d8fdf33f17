"""operator-license: the operator holds an enabled finance and operations service plan (the tables
and the judging of one license are domain/licenses.py's)."""

from __future__ import annotations

from domain import facts as F
from domain.checks.engine import FAILED, PASSED, Check, CheckResult, verdict
from domain.licenses import PlanVerdict, judge_license, judge_recorded_sku
from domain.request import LinkRequest
from domain.setup_modes import lcs_managed_modes


def judge_licenses(operator: F.OperatorFacts) -> tuple[list[PlanVerdict], PlanVerdict | None, dict]:
    """(each finance and operations license's verdict, the first that qualifies, the evidence)."""
    verdicts = [v for lic in operator.licenses if (v := _judge(lic))]
    evidence = {"assignedSkuIds": [lic.sku_id for lic in operator.licenses],
                "financeAndOperationsLicenses": [
                    {"skuId": v.sku_id, "skuPartNumber": v.sku_part_number,
                     "servicePlan": v.plan.name if v.plan else None, "qualified": v.qualified,
                     **({"reason": v.reason} if v.reason else {})} for v in verdicts]}
    return verdicts, next((v for v in verdicts if v.qualified), None), evidence


def rule(request: LinkRequest, operator: F.OperatorFacts) -> CheckResult:
    verdicts, qualified, evidence = judge_licenses(operator)
    if qualified:
        plan = qualified.plan
        return verdict(PASSED, f"The operator holds {plan.product}: service plan {plan.name} of "
                               f"{qualified.sku_part_number or qualified.sku_id} is enabled.",
                       matchedProduct=plan.product, matchedSkuId=qualified.sku_id,
                       matchedSkuPartNumber=qualified.sku_part_number, matchedServicePlan=plan.name,
                       matchedServicePlanId=plan.id or None, **evidence)
    why = ("; ".join(v.reason for v in verdicts if v.reason) + ".") if verdicts else \
        "no license contains a finance and operations service plan."
    return verdict(
        FAILED, f"{operator.user_principal_name} holds no enabled Finance, Supply Chain Management, Commerce, "
                f"Project Operations, Human Resources, Unified Operations Plan or AX Enterprise plan: {why}",
        "Assign the operator one of these licenses in the Microsoft 365 admin center (Users > Active users > "
        "Licenses and apps), with its finance and operations app turned on, or let a licensed administrator run "
        "the setup.", **evidence)


def _judge(lic: F.LicenseRef) -> PlanVerdict | None:
    if lic.service_plans is None:
        return judge_recorded_sku(lic.sku_id, lic.sku_part_number)
    plans = [(p.id, p.name, p.provisioning_status) for p in lic.service_plans]
    return judge_license(lic.sku_id, lic.sku_part_number, plans, lic.disabled_plans, lic.capability_status)


CHECK = Check(
    id="operator-license",
    title="The operator holds a finance and operations license",
    needs=(F.OPERATOR,),
    rule=rule,
    order=30,
    modes=lcs_managed_modes(),  # linking an LCS-managed environment only
)
