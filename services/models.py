"""What the service clients return: plain, frozen dataclasses with GUIDs in lower-case dashed form
(ids that are not GUIDs in Microsoft's own examples are kept as text) and timestamps as ISO 8601 UTC
strings ending in `Z`, so they cross activity boundaries as JSON unchanged. Where the domain has the
model already (an environment), the clients return the domain's."""

from __future__ import annotations

from dataclasses import dataclass

from domain.facts.target import LinkedApp, PowerPlatformEnvironment  # noqa: F401 (the clients' models too)
from services.capacity import StorageCapacity


# Lifecycle Services
@dataclass(frozen=True)
class LcsAccount:
    upn: str
    tenant_id: str | None
    object_id: str | None


@dataclass(frozen=True)
class LcsEnvironment:
    environment_id: str
    name: str | None
    project_id: int | None
    environment_type: str | None
    deployment_state: str | None
    deployment_status: str | None
    region: str | None
    endpoint_url: str | None
    product: str | None


@dataclass(frozen=True)
class LcsIntegration:
    state: str
    power_platform_environment_id: str | None = None
    initial_power_platform_environment_id: str | None = None
    setup_activity_id: str | None = None
    phase: str | None = None
    started_on: str | None = None
    completed_on: str | None = None
    error_message: str | None = None


# Power Platform admin (BAP) and Power Platform API: an environment and its linked app are the
# domain's (the target fact's value), so they are modelled once.
@dataclass(frozen=True)
class TenantSettings:
    disable_environment_creation_by_non_admin_users: bool


@dataclass(frozen=True)
class TenantCapacity:
    database_total_mb: float
    database_actual_mb: float
    database_rated_mb: float | None
    status: str | None
    operations: StorageCapacity | None = None  # FinOpsDatabase, when the tenant has such capacity


# Microsoft Graph
@dataclass(frozen=True)
class AssignedLicense:
    sku_id: str
    disabled_plans: tuple[str, ...] = ()


@dataclass(frozen=True)
class GraphUser:
    id: str
    user_principal_name: str | None
    display_name: str | None
    user_type: str | None
    assigned_licenses: tuple[AssignedLicense, ...] = ()


@dataclass(frozen=True)
class DirectoryRole:
    template_id: str
    display_name: str | None


@dataclass(frozen=True)
class DirectoryRoles:
    """A user's directory roles; `limited` counts roles Graph returned "with limited information"
    (no roleTemplateId), which happens when the app may not read directory roles."""
    roles: tuple[DirectoryRole, ...] = ()
    limited: int = 0


@dataclass(frozen=True)
class ServicePlan:
    id: str
    name: str | None = None
    provisioning_status: str | None = None  # Success, Disabled, PendingActivation, ...


@dataclass(frozen=True)
class LicenseDetail:
    sku_id: str
    sku_part_number: str | None
    service_plans: tuple[ServicePlan, ...] = ()


# Dataverse
@dataclass(frozen=True)
class SystemUser:
    id: str
    full_name: str | None
    is_disabled: bool


@dataclass(frozen=True)
class SecurityRole:
    name: str | None
    role_id: str | None
    template_id: str | None
    via_team: str | None = None


@dataclass(frozen=True)
class FinOpsIntegration:
    url: str | None
    tenant_id: str | None
    environment_id: str | None
