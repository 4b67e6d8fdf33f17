"""Facts on which every check of every setup mode passes, and how a test changes one of them and runs a check."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from domain import facts as F
from domain.checks import Check, CheckResult, run_check
from domain.directory import DATAVERSE_SYSTEM_ADMINISTRATOR_TEMPLATE
from domain.request import LinkRequest

TENANT = "3f5e2c1a-8b7d-4e6f-9a0b-1c2d3e4f5a6b"
LCS_ENV = "d15ed3a8-c2c1-4054-840b-946c93915da9"
TARGET_ID = "00000000-0000-0000-0000-000000000001"
REQUEST = LinkRequest(1234567, LCS_ENV, TARGET_ID, "admin@contoso.onmicrosoft.com", "operator", "P3D")
UNIFIED = LinkRequest(None, None, TARGET_ID, "admin@contoso.onmicrosoft.com", "unified", "P3D",
                      provisioningApp={"developerTools": False, "demoData": False, "version": "latest"})

HAPPY: dict[str, Any] = {
    F.OPERATOR: F.OperatorFacts("11111111-1111-1111-1111-111111111111", "admin@contoso.onmicrosoft.com",
                                "Adele Vance", "Member", TENANT, (), (F.LicenseRef(
                                    "55c9eb4e-c746-45b4-b255-9ab6b19d5c62", "DYN365_FINANCE", (F.ServicePlanRef(
                                        "9f0e1b4e-9b33-4300-b451-b2c662cd4ff7", "D365_Finance", "Success"),)),)),
    F.TARGET: F.TargetEnvironmentFacts(TARGET_ID, "Contoso ops", TENANT, "unitedstates", "eastus", True,
                                       "https://contoso.crm.dynamics.com", "Ready", "Ready", "Enabled",
                                       ("D365_FinOps_Finance",), None, sku="Sandbox", domain_name="contoso"),
    F.TENANT_SETTINGS: F.TenantSettingsFacts(False),
    F.CAPACITY: F.CapacityFacts(20480.0, 3150.9, "Available", operations_total_mb=71680.0, operations_used_mb=10240.0),
    F.LCS_ENVIRONMENT: F.LcsEnvironmentFacts(True, 1234567, LCS_ENV, "admin@contoso.onmicrosoft.com", TENANT,
                                             name="Sandbox1", environment_type="Sandbox", deployment_state="Finished",
                                             deployment_status="Deployed", region="East US"),
    F.LCS_LINKS: F.LcsLinksFacts((F.EnvironmentRef("22222222-2222-2222-2222-222222222222", "Initial env", False),)),
    F.DATAVERSE_ROLES: F.DataverseRolesFacts(True, False, (F.SecurityRoleRef("System Administrator",
                                                                             DATAVERSE_SYSTEM_ADMINISTRATOR_TEMPLATE),)),
    F.DATAVERSE_INTEGRATION: F.DataverseIntegrationFacts(False),
    F.APPLICATION_PACKAGES: F.ApplicationPackagesFacts(
        F.PackageRef("msdyn_FinanceAndOperationsProvisioningAppAnchor",
                     "Dynamics 365 Finance and Operations Provisioning App", "None", "1.0.0.118"),
        F.PackageRef("msdyn_FinanceAndOperationsPlatformToolsAnchor",
                     "Dynamics 365 Finance and Operations Platform Tools", "Installed", "1.0.0.53"), offered=3),
    F.FINOPS_VERSIONS: F.FinopsVersionsFacts(("10.0.44.5", "10.0.45.3", "10.0.46.1")),
}


def with_(name: str, **changes: Any) -> dict[str, Any]:
    """HAPPY's fact `name` with some fields changed, to merge into a test's changes."""
    return {name: replace(HAPPY[name], **changes)}


def facts(changes: dict[str, Any] | None = None, results: list[F.FactResult] = ()) -> F.Facts:
    """HAPPY with `changes`, plus fact results given whole (errors, skips, optional facts)."""
    values = {**HAPPY, **(changes or {})}
    replaced = {r.name for r in results}
    return F.Facts([F.FactResult(name, value=value) for name, value in values.items() if name not in replaced]
                   + list(results))


def check(chk: Check, changes: dict[str, Any] | None = None, request: LinkRequest = REQUEST,
          results: list[F.FactResult] = ()) -> CheckResult:
    return run_check(chk, request, facts(changes, results))


def expect(chk: Check, changes: dict[str, Any], outcome: str, words: str) -> CheckResult:
    """Run the check on HAPPY with `changes`: its outcome is `outcome` and its detail says `words`."""
    result = check(chk, changes)
    assert result.outcome == outcome and words in result.detail, result.detail
    return result
