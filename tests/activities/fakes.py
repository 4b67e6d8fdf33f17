"""Fake service clients at the boundary the activities use (`activities.*.clients`).

They answer with the service models the real clients return and record what they were asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from domain.values import same_guid
from services import application_packages as AP
from services import models as M
from services.errors import LcsRequestRefused

TARGET = "00000000-0000-0000-0000-000000000001"
LCS_ENV = "d15ed3a8-c2c1-4054-840b-946c93915da9"
OTHER = "99999999-9999-9999-9999-999999999999"


def environment(**changes: Any) -> M.PowerPlatformEnvironment:
    base = M.PowerPlatformEnvironment(
        id=TARGET, display_name="Contoso ops", tenant_id="t1", geography="unitedstates", azure_region="eastus",
        has_dataverse=True, instance_url="https://contoso.crm.dynamics.com",
        instance_state="Ready", management_state="Ready", runtime_state="Enabled", templates=("D365_FinOps_Finance",))
    return replace(base, **changes)


@dataclass
class FakeLcs:
    integration: M.LcsIntegration = field(default_factory=lambda: M.LcsIntegration("NotConfigured"))
    refuse_start_with: M.LcsIntegration | None = None
    starts: list[tuple] = field(default_factory=list)

    def get_integration(self, project_id, environment_id):
        return self.integration

    def start_setup(self, project_id, environment_id, target, confirmed_by):
        self.starts.append((project_id, environment_id, target, confirmed_by))
        if self.refuse_start_with is not None:
            # LCS refused because someone else started meanwhile; its state now says so.
            self.integration = self.refuse_start_with
            raise LcsRequestRefused("lcs", "start_setup", 200, None, "A setup is already in progress.")
        self.integration = M.LcsIntegration("SetupInProgress", target, setup_activity_id="act-1", phase="Validate")
        return "act-1"


@dataclass
class FakeBap:
    target: M.PowerPlatformEnvironment = field(default_factory=environment)
    others: list[M.PowerPlatformEnvironment] = field(default_factory=list)
    locations: Any = field(default_factory=lambda: {"unitedstates": ("eastus", "westus")})
    tenant_settings: M.TenantSettings = field(default_factory=lambda: M.TenantSettings(False))

    def list_location_regions(self):
        if isinstance(self.locations, Exception):
            raise self.locations
        return self.locations

    def get_environment(self, env_id):
        return self.target

    def environments_linked_to(self, app_id):
        return [e for e in (self.target, *self.others) if e.linked_app and same_guid(e.linked_app.id, app_id)]

    def get_tenant_settings(self):
        return self.tenant_settings


@dataclass
class FakeDataverse:
    integration: M.FinOpsIntegration | None = None
    # The operator's system user and roles by Entra object id.
    users: dict[str, tuple[M.SystemUser, list[M.SecurityRole]]] = field(default_factory=dict)

    versions: tuple[str, ...] | None = ("10.0.44.5", "10.0.45.3")

    def get_finops_integration(self):
        return self.integration

    def get_finops_versions(self):
        return self.versions

    def find_system_user_with_roles(self, object_id):
        return self.users.get(object_id)


@dataclass
class FakePowerPlatform:
    capacity: M.TenantCapacity = field(default_factory=lambda: M.TenantCapacity(10240.0, 2048.5, None, "Available"))

    def get_tenant_capacity(self):
        return self.capacity


FINANCE_SKU = "55c9eb4e-c746-45b4-b255-9ab6b19d5c62"
FINANCE_PLAN = "9f0e1b4e-9b33-4300-b451-b2c662cd4ff7"


@dataclass
class FakeGraph:
    disabled_plans: tuple[str, ...] = ()
    roles: M.DirectoryRoles = field(default_factory=M.DirectoryRoles)
    refuse: Exception | None = None

    def get_user(self, upn):
        if self.refuse is not None:
            raise self.refuse
        return M.GraphUser("11111111-1111-1111-1111-111111111111", upn, "Adele Vance", "Member",
                           (M.AssignedLicense(FINANCE_SKU, self.disabled_plans),))

    def get_license_details(self, user_id):
        return [M.LicenseDetail(FINANCE_SKU, "DYN365_FINANCE", (
            M.ServicePlan("113feb6c-3fe4-4440-bddc-54d774bf0318", "EXCHANGE_S_FOUNDATION", "Success"),
            M.ServicePlan(FINANCE_PLAN, "D365_Finance", "Success")))]

    def get_directory_roles(self, user_id):
        return self.roles

    def get_subscribed_skus(self):
        return {FINANCE_SKU: "Suspended"}

    def get_tenant_id(self):
        return "t1"


def package(unique_name: str, name: str, state: str = "None", error: str | None = None) -> AP.ApplicationPackage:
    return AP.ApplicationPackage(id=None, unique_name=unique_name, application_name=name, localized_name=name,
                                 version="1.0.0.1", state=state, instance_package_id=None, application_id=None,
                                 publisher_name="Microsoft", last_error=AP.PackageError(1, "Failed", error) if error else None)


@dataclass
class FakeApplicationPackages:
    """The Power Platform API's application packages: states by unique name, installs recorded."""
    states: dict[str, str] = field(default_factory=lambda: {"msdyn_FinanceAndOperationsProvisioningAppAnchor": "None",
                                                            "msdyn_FinanceAndOperationsPlatformToolsAnchor": "Installed"})
    errors: dict[str, str] = field(default_factory=dict)
    operations: dict[str, AP.InstallOperation] = field(default_factory=dict)
    installs: list[tuple[str, str | None]] = field(default_factory=list)  # (unique name, payload)
    refuse_install_with: Exception | None = None
    # What a refused install leaves behind (an install that another attempt started meanwhile).
    state_after_refusal: dict[str, str] = field(default_factory=dict)

    NAMES = {"msdyn_FinanceAndOperationsProvisioningAppAnchor": AP.PROVISIONING_APP_NAME,
             "msdyn_FinanceAndOperationsPlatformToolsAnchor": AP.PLATFORM_TOOLS_NAME}

    def list_environment_packages(self, environment_id, install_state="All"):
        return [package(u, self.NAMES.get(u, u), s, self.errors.get(u)) for u, s in self.states.items()]

    def install(self, environment_id, unique_name, payload_value=None):
        if self.refuse_install_with is not None:
            self.states.update(self.state_after_refusal)
            raise self.refuse_install_with
        self.installs.append((unique_name, payload_value))
        self.states[unique_name] = "Installing"
        operation = f"op-{len(self.installs)}"
        self.operations[operation] = AP.InstallOperation(operation, "Running", None, None, None)
        return AP.InstallStarted(operation, None, "Installing")

    def get_install_status(self, environment_id, operation_id):
        return self.operations[operation_id]


@dataclass
class FakeClients:
    lcs_client: FakeLcs = field(default_factory=FakeLcs)
    bap: FakeBap = field(default_factory=FakeBap)
    dataverse_client: FakeDataverse = field(default_factory=FakeDataverse)
    graph: FakeGraph = field(default_factory=FakeGraph)
    powerplatform: FakePowerPlatform = field(default_factory=FakePowerPlatform)
    application_packages: FakeApplicationPackages = field(default_factory=FakeApplicationPackages)

    def lcs(self, account_upn):
        return self.lcs_client

    def dataverse(self, instance_url):
        return self.dataverse_client

    def prefetch_dataverse_token(self, instance_url):
        self.prefetched = instance_url
