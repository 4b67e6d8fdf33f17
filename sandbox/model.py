"""The typed world a scenario describes (frozen: what changes at run time lives in world.World)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_HEX32 = re.compile(r"^[0-9a-f]{32}$")


def normalize_guid(value: str) -> str:
    """Lower-case dashed form of a GUID given with or without dashes or braces; other text unchanged."""
    compact = value.strip().strip("{}").replace("-", "").lower()
    if not _HEX32.match(compact):
        return value.strip().lower()
    return f"{compact[:8]}-{compact[8:12]}-{compact[12:16]}-{compact[16:20]}-{compact[20:]}"

@dataclass(frozen=True)
class Capacity:
    total_mb: float
    actual_mb: float
    rated_mb: float
    status: str | None = None  # None: derived from the numbers


@dataclass(frozen=True)
class Tenant:
    id: str
    domain: str
    display_name: str
    geography: str
    capacity: dict[str, Capacity]
    settings: dict[str, bool]
    subscriptions: dict[str, str] = field(default_factory=dict)  # skuId -> capabilityStatus


@dataclass(frozen=True)
class Application:
    client_id: str
    display_name: str
    object_id: str
    client_secret: str | None
    public_client: bool
    roles: tuple[str, ...]
    power_platform_admin: bool
    dataverse_application_user: bool


@dataclass(frozen=True)
class License:
    sku_id: str
    sku_part_number: str
    service_plans: tuple[dict[str, str], ...]
    disabled_plans: tuple[str, ...] = ()


@dataclass(frozen=True)
class User:
    upn: str
    object_id: str
    display_name: str
    tenant_id: str
    profile: dict[str, Any]
    licenses: tuple[License, ...]
    directory_roles: tuple[str, ...]


@dataclass(frozen=True)
class SignIn:
    upn: str | None
    auto_approve: bool
    poll_interval_seconds: int
    access_token_lifetime_seconds: int


@dataclass(frozen=True)
class LcsEnvironment:
    id: str
    project_id: int
    name: str
    type: str
    region: str
    disaster_recovery_region: str | None
    deployment_state: str
    deployment_status: str
    url: str
    topology: str
    application_release: str
    application_build_version: str
    platform_release: str
    platform_version: str
    deployed_on_utc: str
    initial_power_platform_environment_id: str | None


@dataclass(frozen=True)
class LcsProject:
    id: int
    name: str
    tenant_id: str
    members: dict[str, str]  # lower-case UPN -> LCS project role
    environments: dict[str, LcsEnvironment]


@dataclass(frozen=True)
class LinkedApp:
    type: str
    id: str
    url: str


@dataclass(frozen=True)
class DataverseLink:
    org: str
    state: str
    template: tuple[str, ...]
    version: str

    @property
    def dynamics_apps_enabled(self) -> bool:
        return any(name.upper().startswith("D365_") for name in self.template)


@dataclass(frozen=True)
class EnvironmentPackage:
    """A Dynamics 365 application package offered to one environment, and how installing it behaves there."""

    unique_name: str
    application_name: str
    version: str
    state: str  # None | Installed | InstallFailed | Installing (an install already running at scenario start)
    started_seconds_ago: float | None
    install_seconds: float
    fail_after_seconds: float | None
    error_message: str | None


@dataclass(frozen=True)
class UnifiedApp:
    """What the Finance and Operations Provisioning App offers in an environment and makes once installed."""

    versions: tuple[str, ...]
    finops_url: str | None
    finops_environment_id: str | None


@dataclass(frozen=True)
class PowerPlatformEnvironment:
    id: str
    display_name: str
    description: str | None
    location: str
    azure_region: str
    sku: str
    tenant_id: str
    is_default: bool
    dataverse: DataverseLink | None
    linked_app: LinkedApp | None
    packages: dict[str, EnvironmentPackage] = field(default_factory=dict)  # by uniqueName
    unified: UnifiedApp | None = None


@dataclass(frozen=True)
class DataverseRole:
    name: str
    role_id: str
    role_template_id: str | None


@dataclass(frozen=True)
class DataverseTeam:
    name: str
    team_id: str
    team_type: int
    aad_object_id: str | None
    roles: tuple[str, ...]
    members: tuple[str, ...]  # lower-case UPNs


@dataclass(frozen=True)
class DataverseUser:
    upn: str
    system_user_id: str
    is_disabled: bool
    roles: tuple[str, ...]


@dataclass(frozen=True)
class DataverseOrg:
    name: str
    organization_id: str
    business_unit_id: str
    roles: dict[str, DataverseRole]
    teams: dict[str, DataverseTeam]
    users: dict[str, DataverseUser]  # lower-case UPN -> user


@dataclass(frozen=True)
class Provisioning:
    duration_seconds: float
    outcome: str
    fail_after_seconds: float | None
    error_message: str


@dataclass(frozen=True)
class Scenario:
    name: str
    document: dict[str, Any]
    tenant: Tenant
    applications: dict[str, Application]
    sign_in: SignIn
    users: dict[str, User]  # lower-case UPN -> user
    lcs_projects: dict[int, LcsProject]
    power_platform_environments: dict[str, PowerPlatformEnvironment]
    dataverse_orgs: dict[str, DataverseOrg]
    provisioning: Provisioning
    faults: dict[str, Any] = field(default_factory=dict)

    def user(self, upn_or_object_id: str) -> User | None:
        key = upn_or_object_id.strip().lower()
        if key in self.users:
            return self.users[key]
        object_id = normalize_guid(key)
        return next((u for u in self.users.values() if u.object_id == object_id), None)

    def lcs_environment(self, environment_id: str) -> LcsEnvironment | None:
        wanted = normalize_guid(environment_id)
        for project in self.lcs_projects.values():
            if wanted in project.environments:
                return project.environments[wanted]
        return None

    def environment_for_org(self, org: str) -> PowerPlatformEnvironment | None:
        return next(
            (e for e in self.power_platform_environments.values() if e.dataverse and e.dataverse.org == org),
            None,
        )

    def confidential_application(self) -> Application | None:
        return next((a for a in self.applications.values() if a.client_secret), None)

    def public_application(self) -> Application | None:
        return next((a for a in self.applications.values() if a.public_client), None)

    @property
    def tenant_ids(self) -> set[str]:
        return {self.tenant.id} | {u.tenant_id for u in self.users.values()}
