"""Licenses that entitle a user to set up Power Platform integration for finance and operations.

Matched by SKU id (what app-only Graph reads expose as `assignedLicenses`) and, where known, by
service plan id or SKU part number (what `licenseDetails` exposes). Keep this table as data: a
product missing here is added by one line. Source: Microsoft Entra licensing service plan reference.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QualifyingLicense:
    product: str
    sku_part_number: str
    sku_id: str | None  # None where no public source gives the id; matched by part number only


QUALIFYING_LICENSES: tuple[QualifyingLicense, ...] = (
    QualifyingLicense("Finance", "DYN365_FINANCE", "55c9eb4e-c746-45b4-b255-9ab6b19d5c62"),
    QualifyingLicense("Finance Attach", "DYN365_FINANCE_ATTACH", "d721f2e4-099b-4105-b40e-872e46cad402"),
    QualifyingLicense("Supply Chain Management", "DYN365_SCM", "f2e48cb3-9da0-42cd-8464-4a54ce198ad0"),
    QualifyingLicense("Supply Chain Management Premium", "Dynamics_365_Supply_Chain_Management_Premium",
                      "9467fd84-2758-4287-b1fa-6a908c441b8a"),
    QualifyingLicense("Supply Chain Management Attach", "DYN365_SCM_ATTACH", "090b4a96-8114-4c95-9c91-60e81ef53302"),
    QualifyingLicense("Commerce", "DYN365_RETAIL", "79909bd8-4c69-4202-939e-11bc4385b134"),
    QualifyingLicense("Project Operations", "DYN365_PROJECT_OPERATIONS", "98619618-9dc8-48c6-8f0c-741890ba5f93"),
    QualifyingLicense("Project Operations Attach", "DYN365_PROJECT_OPERATIONS_ATTACH",
                      "af739e8e-dd11-4eb5-a986-5908f595c603"),
    QualifyingLicense("Human Resources Attach", "DYN365_HUMAN_RESOURCES_ATTACH", "83c489a4-94b6-4dcc-9fdc-ff9b107a4621"),
    QualifyingLicense("Human Resources", "DYN365_HUMAN_RESOURCES", None),
    QualifyingLicense("Unified Operations Plan", "Dynamics_365_for_Operations", "ccba3cfe-71ef-423a-bd87-b6df3dce59a9"),
    QualifyingLicense("AX Enterprise", "AX_ENTERPRISE_USER", None),
)

_BY_SKU_ID = {lic.sku_id: lic for lic in QUALIFYING_LICENSES if lic.sku_id}
_BY_PART_NUMBER = {lic.sku_part_number.lower(): lic for lic in QUALIFYING_LICENSES}


def qualifying_license(sku_id: str | None, sku_part_number: str | None = None) -> QualifyingLicense | None:
    """The qualifying product a license is for; GUIDs compared case-insensitively (Graph varies)."""
    by_id = _BY_SKU_ID.get((sku_id or "").lower())
    return by_id or _BY_PART_NUMBER.get((sku_part_number or "").lower())
