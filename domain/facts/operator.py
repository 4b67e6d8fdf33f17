"""The operator as Microsoft Entra ID knows them: identity, directory roles, licenses (Graph)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.facts.base import FactSpec


@dataclass(frozen=True)
class RoleRef:
    template_id: str
    display_name: str


@dataclass(frozen=True)
class ServicePlanRef:
    id: str
    name: str | None = None
    provisioning_status: str | None = None


@dataclass(frozen=True)
class LicenseRef:
    sku_id: str
    sku_part_number: str | None = None
    # None: licenseDetails was not read, as in facts recorded by release stop-8 (orchestration
    # contract version 1); such a license is judged by its SKU, as it was when it was recorded, so a
    # run in flight replays to the same verdict. Remove with the version-1 branch.
    service_plans: tuple[ServicePlanRef, ...] | None = None
    disabled_plans: tuple[str, ...] = ()
    # The tenant's subscription for this SKU (subscribedSkus capabilityStatus), when known.
    capability_status: str | None = None


@dataclass(frozen=True)
class OperatorFacts:
    object_id: str
    user_principal_name: str
    display_name: str
    user_type: str | None
    tenant_id: str
    directory_roles: tuple[RoleRef, ...] = ()
    licenses: tuple[LicenseRef, ...] = ()
    # Graph returned directory roles "with limited information" (no roleTemplateId): the app may
    # not read role objects, so the roles above are incomplete and prove nothing either way.
    directory_roles_limited: int = 0


FACT = FactSpec(name="operator", value_type=OperatorFacts, activity="gather_operator", order=10)
