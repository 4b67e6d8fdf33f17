"""Licenses that entitle a user to set up Power Platform integration for finance and operations.

A user is entitled by a finance and operations **service plan** that is enabled for them, whatever
SKU carries it: a bundle SKU that contains one qualifies, a qualifying SKU whose plan is disabled
(`assignedLicenses[].disabledPlans`, or a `licenseDetails` plan whose `provisioningStatus` is not
`Success`) does not, nor does a license of a subscription the tenant has lost (`subscribedSkus`
`capabilityStatus` Suspended, Deleted or LockedOut). Keep the tables as data: a product missing here is added by one line.

Source: Microsoft Entra, "Product names and service plan identifiers for licensing"
(MicrosoftDocs/entra-docs, docs/identity/users/licensing-service-plan-reference.md, updated
2025-10-29). Each row below cites the table's product name, string id (skuPartNumber), GUID (skuId)
and the qualifying service plan it includes (service plan name and GUID).
"""

from __future__ import annotations

from dataclasses import dataclass

# The only provisioning status of a plan that is usable now (others: Disabled, PendingInput,
# PendingActivation, PendingProvisioning, Error).
ENABLED_STATUS = "Success"
# subscribedSkus capabilityStatus of a subscription whose licenses no longer work (Enabled and
# Warning, the grace period, still do).
UNUSABLE_SUBSCRIPTIONS = {"suspended", "deleted", "lockedout"}


@dataclass(frozen=True)
class QualifyingPlan:
    name: str  # servicePlanName
    id: str  # servicePlanId
    product: str  # the application it entitles, as the prerequisite names it


@dataclass(frozen=True)
class QualifyingSku:
    product: str  # "Product name" column
    sku_part_number: str  # "String ID"
    sku_id: str | None  # "GUID"; None where the reference lists no row
    plans: tuple[str, ...]  # qualifying service plan ids the row includes


QUALIFYING_PLANS: tuple[QualifyingPlan, ...] = (
    QualifyingPlan("D365_Finance", "9f0e1b4e-9b33-4300-b451-b2c662cd4ff7", "Finance"),
    QualifyingPlan("D365_Finance_Attach", "223e33cb-eee0-462d-b1bd-e9a5febf8e85", "Finance"),
    QualifyingPlan("D365_SCM", "1224eae4-0d91-474a-8a52-27ec96a63fe7", "Supply Chain Management"),
    QualifyingPlan("D365_SCM_Premium", "0363c8e5-c30d-4d7c-a621-7b6cab5e0482", "Supply Chain Management"),
    QualifyingPlan("D365_SCM_Attach", "b21c777f-c2d5-486e-88f6-fc0a3e474271", "Supply Chain Management"),
    QualifyingPlan("DYN365_RETAIL", "117e3aa0-8d08-4a19-a6a5-90b7a96e2128", "Commerce"),
    QualifyingPlan("D365_ProjectOperations", "69f07c66-bee4-4222-b051-195095efee5b", "Project Operations"),
    QualifyingPlan("D365_ProjectOperationsAttach", "fa7675bd-6717-40e7-8172-d0bbcbe1ab12", "Project Operations"),
    QualifyingPlan("D365_HR_OPS", "8b21a5dc-5485-49ed-a2d4-0e772c830f6d", "Human Resources"),
    QualifyingPlan("D365_HR_ATTACH_OPS", "90d8cb62-e98a-4639-8342-8c7d2c8215ba", "Human Resources"),
    QualifyingPlan("Dynamics_365_for_Operations", "95d2cd7b-1007-484b-8595-5e97e63fe189",
                   "Unified Operations Plan"),
)

QUALIFYING_SKUS: tuple[QualifyingSku, ...] = (
    QualifyingSku("Dynamics 365 Finance", "DYN365_FINANCE", "55c9eb4e-c746-45b4-b255-9ab6b19d5c62",
                  ("9f0e1b4e-9b33-4300-b451-b2c662cd4ff7",)),
    QualifyingSku("Dynamics 365 for Finance Attach to Qualifying Dynamics 365 Base Offer", "DYN365_FINANCE_ATTACH",
                  "d721f2e4-099b-4105-b40e-872e46cad402", ("223e33cb-eee0-462d-b1bd-e9a5febf8e85",)),
    QualifyingSku("Dynamics 365 Finance Attach to Qualifying Base Offer Embedded with Project Management & "
                  "Accounting", "DYN365_FINANCE_ATTACH_ISVEMB_PROJOPS", "db5bd06c-b99a-4c54-98e9-90fea5164c88",
                  ("223e33cb-eee0-462d-b1bd-e9a5febf8e85", "fa7675bd-6717-40e7-8172-d0bbcbe1ab12")),
    QualifyingSku("Dynamics 365 for Supply Chain Management", "DYN365_SCM", "f2e48cb3-9da0-42cd-8464-4a54ce198ad0",
                  ("1224eae4-0d91-474a-8a52-27ec96a63fe7",)),
    QualifyingSku("Dynamics 365 Supply Chain Management Premium", "Dynamics_365_Supply_Chain_Management_Premium",
                  "9467fd84-2758-4287-b1fa-6a908c441b8a",
                  ("1224eae4-0d91-474a-8a52-27ec96a63fe7", "0363c8e5-c30d-4d7c-a621-7b6cab5e0482")),
    QualifyingSku("Dynamics 365 for Supply Chain Management Attach to Qualifying Dynamics 365 Base Offer",
                  "DYN365_SCM_ATTACH", "090b4a96-8114-4c95-9c91-60e81ef53302",
                  ("b21c777f-c2d5-486e-88f6-fc0a3e474271",)),
    QualifyingSku("Dynamics 365 Commerce", "DYN365_RETAIL", "79909bd8-4c69-4202-939e-11bc4385b134",
                  ("117e3aa0-8d08-4a19-a6a5-90b7a96e2128",)),
    QualifyingSku("Dynamics 365 Project Operations", "DYN365_PROJECT_OPERATIONS",
                  "98619618-9dc8-48c6-8f0c-741890ba5f93", ("69f07c66-bee4-4222-b051-195095efee5b",)),
    QualifyingSku("Dynamics 365 Project Operations Attach", "DYN365_PROJECT_OPERATIONS_ATTACH",
                  "af739e8e-dd11-4eb5-a986-5908f595c603", ("fa7675bd-6717-40e7-8172-d0bbcbe1ab12",)),
    QualifyingSku("Dynamics 365 Human Resources Attach to Qualifying Dynamics 365 Base Offer",
                  "DYN365_HUMAN_RESOURCES_ATTACH", "83c489a4-94b6-4dcc-9fdc-ff9b107a4621",
                  ("8b21a5dc-5485-49ed-a2d4-0e772c830f6d", "90d8cb62-e98a-4639-8342-8c7d2c8215ba")),
    QualifyingSku("Dynamics 365 UNF OPS Plan ENT Edition", "Dynamics_365_for_Operations",
                  "ccba3cfe-71ef-423a-bd87-b6df3dce59a9", ("95d2cd7b-1007-484b-8595-5e97e63fe189",)),
    # No row in the reference: a standalone Human Resources SKU is recognised by its D365_HR_OPS plan,
    # AX Enterprise by its part number only (its plans are not published).
    QualifyingSku("AX Enterprise", "AX_ENTERPRISE_USER", None, ()),
)

_PLANS = {p.id: p for p in QUALIFYING_PLANS}
_SKUS_BY_ID = {s.sku_id: s for s in QUALIFYING_SKUS if s.sku_id}
_SKUS_BY_PART = {s.sku_part_number.lower(): s for s in QUALIFYING_SKUS}


def qualifying_plan(plan_id: str | None) -> QualifyingPlan | None:
    return _PLANS.get((plan_id or "").lower())


def qualifying_sku(sku_id: str | None, sku_part_number: str | None = None) -> QualifyingSku | None:
    """The qualifying product a SKU is, by id or part number (GUIDs compared case-insensitively)."""
    return _SKUS_BY_ID.get((sku_id or "").lower()) or _SKUS_BY_PART.get((sku_part_number or "").lower())


@dataclass(frozen=True)
class PlanVerdict:
    """One license of the user, judged: `qualified` names the enabled plan, else `reason` says why not."""
    sku_id: str
    sku_part_number: str | None
    plan: QualifyingPlan | None = None
    reason: str | None = None

    @property
    def qualified(self) -> bool:
        return self.plan is not None and self.reason is None


def judge_license(sku_id: str, sku_part_number: str | None, plans: list[tuple[str, str | None, str | None]],
                  disabled_plans: tuple[str, ...], capability_status: str | None = None) -> PlanVerdict | None:
    """`plans` are (servicePlanId, servicePlanName, provisioningStatus) from licenseDetails.

    None when the license has nothing to do with finance and operations."""
    verdict = _judge_plans(sku_id, sku_part_number, plans, disabled_plans)
    if verdict and verdict.qualified and (capability_status or "").lower() in UNUSABLE_SUBSCRIPTIONS:
        return PlanVerdict(sku_id, sku_part_number, verdict.plan,
                           f"the tenant's subscription to {sku_part_number or sku_id} is {capability_status}")
    return verdict


def _judge_plans(sku_id: str, sku_part_number: str | None, plans: list[tuple[str, str | None, str | None]],
                 disabled_plans: tuple[str, ...]) -> PlanVerdict | None:
    disabled = {p.lower() for p in disabled_plans}
    candidates = [(qualifying_plan(pid), status, pid.lower() in disabled) for pid, _, status in plans
                  if qualifying_plan(pid)]
    enabled = [plan for plan, status, off in candidates if not off and status == ENABLED_STATUS]
    if enabled:
        return PlanVerdict(sku_id, sku_part_number, enabled[0])
    if candidates:
        plan, status, off = candidates[0]
        why = "disabled in the user's license (disabledPlans)" if off else f"provisioningStatus {status}"
        return PlanVerdict(sku_id, sku_part_number, plan, f"{plan.name} is {why}")
    sku = qualifying_sku(sku_id, sku_part_number)
    if sku is None:
        return None
    if not sku.plans:
        # Known by part number only: no plan to judge, so the SKU itself is the evidence.
        return _sku_as_evidence(sku_id, sku_part_number, sku)
    return PlanVerdict(sku_id, sku_part_number, None,
                       f"{sku.sku_part_number} lists none of its finance and operations service plans")


def judge_recorded_sku(sku_id: str, sku_part_number: str | None) -> PlanVerdict | None:
    """A license from a fact recorded before licenseDetails was read (contract version 1): the SKU
    alone qualified then, and a replay must reach the verdict the run reached."""
    sku = qualifying_sku(sku_id, sku_part_number)
    return sku and _sku_as_evidence(sku_id, sku_part_number, sku)


def _sku_as_evidence(sku_id: str, sku_part_number: str | None, sku: QualifyingSku) -> PlanVerdict:
    return PlanVerdict(sku_id, sku_part_number, QualifyingPlan(sku.sku_part_number, "", sku.product))
