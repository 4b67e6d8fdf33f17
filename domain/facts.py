"""The external facts the checks are computed from; each is fetched once per validation round.

Every fact travels as a `FactResult`: its value, or the error that kept it from being fetched, or
the reason it was not asked for (a fact of the second stage whose inputs are missing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.serialization import from_json, to_json

from domain.vocabulary import (  # noqa: F401 (the fact names, here with their classes)
    CAPACITY,
    DATAVERSE_INTEGRATION,
    DATAVERSE_ROLES,
    LCS_ENVIRONMENT,
    LCS_INTEGRATION,
    LCS_LINKS,
    OPERATOR,
    TARGET,
    TENANT_SETTINGS,
)


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


@dataclass(frozen=True)
class LinkedApp:
    type: str
    id: str
    url: str | None = None


@dataclass(frozen=True)
class TargetEnvironmentFacts:
    id: str
    display_name: str
    tenant_id: str | None
    geography: str
    azure_region: str | None
    has_dataverse: bool
    instance_url: str | None
    instance_state: str | None
    management_state: str | None
    runtime_state: str | None
    templates: tuple[str, ...] = ()
    linked_app: LinkedApp | None = None
    # BAP's `locations` answer for the target's geography (its azureRegions, e.g. "swedencentral"):
    # a second, live source for same-geography. Empty when BAP did not answer.
    geography_azure_regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class TenantSettingsFacts:
    non_admin_environment_creation_disabled: bool


@dataclass(frozen=True)
class CapacityFacts:
    database_total_mb: float
    database_used_mb: float
    status: str | None = None


@dataclass(frozen=True)
class LcsEnvironmentFacts:
    found: bool
    project_id: int
    environment_id: str
    signed_in_upn: str | None
    signed_in_tenant_id: str | None
    access_denied: bool = False
    name: str | None = None
    environment_type: str | None = None
    deployment_state: str | None = None
    deployment_status: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class EnvironmentRef:
    id: str
    display_name: str
    has_dataverse: bool = False


@dataclass(frozen=True)
class LcsLinksFacts:
    """Power Platform environments whose linkedAppMetadata points at the LCS environment."""
    environments: tuple[EnvironmentRef, ...] = ()


@dataclass(frozen=True)
class LcsIntegrationFacts:
    state: str
    power_platform_environment_id: str | None = None
    initial_power_platform_environment_id: str | None = None


@dataclass(frozen=True)
class SecurityRoleRef:
    name: str
    template_id: str | None
    via_team: str | None = None


@dataclass(frozen=True)
class DataverseRolesFacts:
    system_user_found: bool
    system_user_disabled: bool = False
    roles: tuple[SecurityRoleRef, ...] = ()


@dataclass(frozen=True)
class DataverseIntegrationFacts:
    linked: bool
    environment_id: str | None = None
    url: str | None = None


FACT_TYPES: dict[str, type] = {
    OPERATOR: OperatorFacts,
    TARGET: TargetEnvironmentFacts,
    TENANT_SETTINGS: TenantSettingsFacts,
    CAPACITY: CapacityFacts,
    LCS_ENVIRONMENT: LcsEnvironmentFacts,
    LCS_LINKS: LcsLinksFacts,
    LCS_INTEGRATION: LcsIntegrationFacts,
    DATAVERSE_ROLES: DataverseRolesFacts,
    DATAVERSE_INTEGRATION: DataverseIntegrationFacts,
}


@dataclass(frozen=True)
class FactError:
    """Why a fact could not be fetched: the service's own words, never a token."""
    service: str
    operation: str
    message: str
    status: int | None = None
    code: str | None = None
    remedy: str | None = None
    # Throttled or unavailable: worth asking again a little later in the same validation round.
    transient: bool = False
    retry_after: float | None = None

    def describe(self) -> str:
        status = f" (HTTP {self.status})" if self.status else ""
        return f"{self.service} {self.operation} failed{status}: {self.message}"


@dataclass(frozen=True)
class FactResult:
    name: str
    value: Any = None
    error: FactError | None = None
    skipped: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": to_json(self.value), "error": to_json(self.error),
                "skipped": self.skipped}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "FactResult":
        value = data.get("value")
        return cls(
            name=data["name"],
            value=from_json(FACT_TYPES[data["name"]], value) if value is not None else None,
            error=from_json(FactError, data["error"]) if data.get("error") else None,
            skipped=data.get("skipped"),
        )


class Facts:
    """The facts of one validation round, by name."""

    def __init__(self, results: list[FactResult]):
        self._results = {r.name: r for r in results}

    def result(self, name: str) -> FactResult:
        return self._results.get(name) or FactResult(name, skipped="not gathered in this round")

    def value(self, name: str) -> Any:
        return self.result(name).value

    def merged(self, newer: "Facts") -> "Facts":
        return Facts([*self._results.values(), *newer._results.values()])

    def to_json(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self._results.values()]

    @classmethod
    def from_json(cls, data: list[dict[str, Any]]) -> "Facts":
        return cls([FactResult.from_json(d) for d in data])
