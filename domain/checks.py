"""The ten prerequisites of linking, as pure functions of the gathered facts.

A check never raises for a business failure: it returns its outcome with the facts it used as
evidence and, when it does not pass, what a Dynamics 365 administrator should do about it. A check
whose facts could not be fetched says `error`; that blocks setup like `failed` but says so honestly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from domain import directory, facts as F, vocabulary
from domain.geography import geography_of_location, geography_of_region, region_key
from domain.licenses import PlanVerdict, judge_license, judge_recorded_sku
from domain.permissions import BY_KEY, remedy
from domain.request import LinkRequest
from domain.values import same_guid

PASSED, FAILED, WARNING, ERROR = "passed", "failed", "warning", "error"
MIN_FREE_DATABASE_MB = 1024.0
AVAILABLE = "Available"
DEPLOYED_STATES = {"finished", "deployed"}
LINKABLE_ENVIRONMENT_TYPES = ("sandbox", "production")


@dataclass(frozen=True)
class CheckResult:
    id: str
    title: str
    outcome: str
    detail: str
    remediation: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def blocks_setup(self) -> bool:
        return self.outcome in (FAILED, ERROR)


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    needs: tuple[str, ...]
    optional: tuple[str, ...]
    rule: Callable[..., CheckResult]


CHECKS: list[Check] = []


def check(check_id: str, title: str, *needs: str, optional: tuple[str, ...] = ()):
    """Register a rule; it receives the request, the needed facts, then the optional ones (or None)."""
    def register(rule):
        CHECKS.append(Check(check_id, title, needs, optional, rule))
        return rule
    return register


def _result(outcome: str, detail: str, remediation: str = "", **evidence: Any) -> CheckResult:
    # id and title are filled in by run_check, so rules only say what they found.
    return CheckResult("", "", outcome, detail, remediation, evidence)


def run_check(chk: Check, request: LinkRequest, facts: F.Facts) -> CheckResult:
    missing = [facts.result(name) for name in chk.needs if facts.result(name).value is None]
    errors = [r for r in missing if r.error]
    if errors:
        return CheckResult(
            chk.id, chk.title, ERROR,
            "Could not be checked: " + "; ".join(r.error.describe() for r in errors),
            next((r.error.remedy for r in errors if r.error.remedy), None)
            or "The service did not answer after retries. Run the checks again later; if it persists, "
               "check the service health in the Microsoft 365 and Power Platform admin centers.",
            {"unavailableFacts": [r.name for r in errors]},
        )
    if missing:
        return CheckResult(chk.id, chk.title, FAILED,
                           "Could not be checked: " + "; ".join(r.skipped or "not gathered" for r in missing),
                           "Resolve the prerequisite named above first.",
                           {"missingFacts": [r.name for r in missing]})
    result = chk.rule(request, *(facts.value(name) for name in (*chk.needs, *chk.optional)))
    return CheckResult(chk.id, chk.title, result.outcome, result.detail, result.remediation, result.evidence)


def run_checks(request: LinkRequest, facts: F.Facts, only: set[str] | None = None) -> list[CheckResult]:
    return [run_check(c, request, facts) for c in CHECKS if only is None or c.id in only]


def validation_passed(results: list[CheckResult]) -> bool:
    return not any(r.blocks_setup for r in results)


@check("dataverse-capacity", "At least 1 GB of Dataverse database capacity is free in the tenant", F.CAPACITY)
def _capacity(request: LinkRequest, capacity: F.CapacityFacts) -> CheckResult:
    free = capacity.database_total_mb - capacity.database_used_mb
    evidence = {"databaseTotalMb": round(capacity.database_total_mb, 1),
                "databaseUsedMb": round(capacity.database_used_mb, 1), "databaseFreeMb": round(free, 1),
                "status": capacity.status}
    if free >= MIN_FREE_DATABASE_MB and (capacity.status or AVAILABLE).lower() != AVAILABLE.lower():
        return _result(FAILED, f"{free / 1024:.1f} GB of Dataverse database capacity is free, but Power Platform "
                               f"reports the database capacity as {capacity.status}, not {AVAILABLE}.",
                       "Resolve the capacity status in Power Platform admin center > Licensing > Capacity (an "
                       "overage in any storage type blocks new environments and copies), then check again.",
                       **evidence)
    if free >= MIN_FREE_DATABASE_MB:
        return _result(PASSED, f"{free / 1024:.1f} GB of Dataverse database capacity is free.", **evidence)
    return _result(
        FAILED, f"Only {max(free, 0) / 1024:.2f} GB of Dataverse database capacity is free; setup needs at least 1 GB.",
        "Free up database capacity (delete unused environments or data) or buy more Dataverse database "
        "capacity, then check again. See Power Platform admin center > Licensing > Capacity.", **evidence)


@check("environment-creation-policy", "The operator may create Power Platform environments",
       F.TENANT_SETTINGS, F.OPERATOR)
def _creation_policy(request: LinkRequest, settings: F.TenantSettingsFacts, operator: F.OperatorFacts) -> CheckResult:
    admin_roles = [r.display_name or directory.ENVIRONMENT_ADMIN_ROLES[r.template_id.lower()]
                   for r in operator.directory_roles if r.template_id.lower() in directory.ENVIRONMENT_ADMIN_ROLES]
    evidence = {"disableEnvironmentCreationByNonAdminUsers": settings.non_admin_environment_creation_disabled,
                "operatorAdminRoles": admin_roles}
    if not settings.non_admin_environment_creation_disabled:
        return _result(PASSED, "Everyone in the tenant may create environments.", **evidence)
    if admin_roles:
        return _result(PASSED, f"Only admins may create environments, and the operator holds {admin_roles[0]}.",
                       **evidence)
    if operator.directory_roles_limited:
        # Graph hid these roles' identity: one of them may be an admin role. Never read as "none".
        grant = BY_KEY["graph-rolemanagement-read-directory"]
        return _result(ERROR, f"Only admins may create environments, and {operator.directory_roles_limited} of the "
                              "operator's directory roles came back with limited information (no roleTemplateId): "
                              "the app may not read directory roles, so an admin role can't be seen.",
                       remedy(grant), limitedDirectoryRoles=operator.directory_roles_limited,
                       missingPermission=grant.name, **evidence)
    return _result(
        FAILED, "Only admins may create environments in this tenant, and the operator holds none of "
                "Dynamics 365 Administrator, Power Platform Administrator or Global Administrator.",
        "Ask a Global Administrator to assign the operator the Dynamics 365 Administrator or Power Platform "
        "Administrator role (if the role is eligible through Privileged Identity Management, activate it "
        "first), or let everyone create environments in Power Platform admin center > Settings.", **evidence)


@check("operator-license", "The operator holds a finance and operations license", F.OPERATOR)
def _license(request: LinkRequest, operator: F.OperatorFacts) -> CheckResult:
    verdicts = [v for lic in operator.licenses if (v := _judge(lic))]
    evidence = {"assignedSkuIds": [lic.sku_id for lic in operator.licenses],
                "financeAndOperationsLicenses": [
                    {"skuId": v.sku_id, "skuPartNumber": v.sku_part_number,
                     "servicePlan": v.plan.name if v.plan else None, "qualified": v.qualified,
                     **({"reason": v.reason} if v.reason else {})} for v in verdicts]}
    qualified = next((v for v in verdicts if v.qualified), None)
    if qualified:
        plan = qualified.plan
        return _result(PASSED, f"The operator holds {plan.product}: service plan {plan.name} of "
                               f"{qualified.sku_part_number or qualified.sku_id} is enabled.",
                       matchedProduct=plan.product, matchedSkuId=qualified.sku_id,
                       matchedSkuPartNumber=qualified.sku_part_number, matchedServicePlan=plan.name,
                       matchedServicePlanId=plan.id or None, **evidence)
    why = ("; ".join(v.reason for v in verdicts if v.reason) + ".") if verdicts else \
        "no license contains a finance and operations service plan."
    return _result(
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


@check("same-geography", "The Dataverse environment is in the same geography as finance and operations",
       F.LCS_ENVIRONMENT, F.TARGET)
def _geography(request: LinkRequest, lcs: F.LcsEnvironmentFacts, target: F.TargetEnvironmentFacts) -> CheckResult:
    if not lcs.found:
        return _result(FAILED, "The finance and operations region is unknown: the LCS environment could not be read.",
                       "Fix the Lifecycle Services access first (see lcs-project-access).")
    source_geo = geography_of_region(lcs.region or "")
    target_geo = geography_of_location(target.geography)
    live = region_key(lcs.region or "") in target.geography_azure_regions
    evidence = {"financeAndOperationsRegion": lcs.region,
                "financeAndOperationsGeography": source_geo.name if source_geo else None,
                "targetGeography": target.geography, "targetAzureRegion": target.azure_region,
                "targetGeographyAzureRegions": list(target.geography_azure_regions)}
    target_name = target_geo.name if target_geo else target.geography
    if live or (source_geo and target_geo and source_geo.code == target_geo.code):
        source = "BAP lists it among that geography's regions" if live else "per Microsoft's region table"
        return _result(PASSED, f"Finance and operations runs in {lcs.region}, which is in the {target_name} "
                               f"geography, like the Dataverse environment ({source}).", **evidence)
    if source_geo is None or target_geo is None:
        unknown = f"region '{lcs.region}'" if source_geo is None else f"geography '{target.geography}'"
        return _result(ERROR, f"The {unknown} is in neither the known table nor BAP's list of the target geography's "
                              "regions: the geographies could not be compared, and setup can't be undone.",
                       f"Compare them by hand before linking: the finance and operations region is '{lcs.region}' "
                       "(LCS > environment details); the Power Platform admin center shows the Dataverse "
                       f"environment's geography in its 'Region' column ('{target.geography}'). Microsoft's list of "
                       "Power Platform geographies and their Azure regions says which geography serves the region. "
                       "If they match, report the missing region so the table can be extended.", **evidence)
    return _result(
        FAILED, f"Finance and operations runs in {lcs.region} ({source_geo.name} geography) but the Dataverse "
                f"environment is in the {target_geo.name} geography.",
        f"Choose a Power Platform environment in the {source_geo.name} geography. Note that the admin center "
        "labels the geography 'Region'.", **evidence)


@check("dataverse-ready", "The target has a ready Dataverse database with Dynamics 365 apps enabled", F.TARGET)
def _dataverse_ready(request: LinkRequest, target: F.TargetEnvironmentFacts) -> CheckResult:
    evidence = {"databaseType": "CommonDataService" if target.has_dataverse else None,
                "instanceState": target.instance_state, "managementState": target.management_state,
                "runtimeState": target.runtime_state, "templates": list(target.templates)}
    if not target.has_dataverse:
        return _result(FAILED, f"Environment '{target.display_name}' has no Dataverse database.",
                       "Add a Dataverse database with 'Enable Dynamics 365 apps' turned on, or choose another "
                       "environment.", **evidence)
    if not any(t.upper().startswith("D365_") for t in target.templates):
        return _result(FAILED, f"Environment '{target.display_name}' was created without Dynamics 365 apps.",
                       "Dynamics 365 apps can only be enabled when the database is created: choose or create an "
                       "environment whose database was created with 'Enable Dynamics 365 apps'.", **evidence)
    if (target.instance_state or "").lower() != "ready" or (target.management_state or "").lower() != "ready":
        return _result(FAILED, f"The Dataverse database is not ready (instance {target.instance_state}, "
                               f"management {target.management_state}).",
                       "Wait until the environment shows Ready in the Power Platform admin center.", **evidence)
    if (target.runtime_state or "enabled").lower() != "enabled":
        return _result(WARNING, f"The environment is in {target.runtime_state} mode.",
                       "Turn administration mode off before setup so the integration can install its solutions.",
                       **evidence)
    return _result(PASSED, "The Dataverse database is ready and Dynamics 365 apps are enabled.", **evidence)


@check("dataverse-system-administrator", "The operator is System Administrator in the target Dataverse",
       F.DATAVERSE_ROLES)
def _system_administrator(request: LinkRequest, roles: F.DataverseRolesFacts) -> CheckResult:
    remedy = ("Assign the operator the System Administrator security role in the target environment (Power "
              "Platform admin center > Environment > Settings > Users). A newly granted role can take up to an "
              "hour to be seen.")
    if not roles.system_user_found:
        return _result(FAILED, f"{request.operator} is not a user of the target Dataverse.", remedy)
    if roles.system_user_disabled:
        return _result(FAILED, f"{request.operator} is disabled in the target Dataverse.", remedy)
    sysadmin = [r for r in roles.roles if same_guid(r.template_id, directory.DATAVERSE_SYSTEM_ADMINISTRATOR_TEMPLATE)]
    evidence = {"roles": [r.name + (f" (via team {r.via_team})" if r.via_team else "") for r in roles.roles]}
    if sysadmin:
        via = f" through team {sysadmin[0].via_team}" if sysadmin[0].via_team else ""
        return _result(PASSED, f"The operator holds System Administrator{via}.", **evidence)
    return _result(FAILED, "The operator does not hold System Administrator, directly or through a team.", remedy,
                   **evidence)


@check("lcs-project-access", "The operator can manage the environment in Lifecycle Services", F.LCS_ENVIRONMENT)
def _lcs_access(request: LinkRequest, lcs: F.LcsEnvironmentFacts) -> CheckResult:
    evidence = {"projectId": lcs.project_id, "environmentId": lcs.environment_id, "signedInAs": lcs.signed_in_upn,
                "environmentType": lcs.environment_type, "deploymentState": lcs.deployment_state,
                "deploymentStatus": lcs.deployment_status}
    role_remedy = ("Make the operator Project owner or Environment manager in LCS project "
                   f"{request.lcsProjectId} (Project settings > Users), signed in from the tenant that owns it.")
    if (lcs.signed_in_upn or "").lower() != request.operator.lower():
        return _result(FAILED, f"Lifecycle Services is signed in as {lcs.signed_in_upn}, not as the operator "
                               f"{request.operator}.",
                       f"Sign in to Lifecycle Services as {request.operator}: python -m cli login --account "
                       f"{request.operator}", **evidence)
    if lcs.access_denied:
        return _result(FAILED, f"{request.operator} may not read project {request.lcsProjectId} in Lifecycle Services.",
                       role_remedy, **evidence)
    if not lcs.found:
        return _result(FAILED, f"Project {request.lcsProjectId} has no environment {request.lcsEnvironmentId} that "
                               f"{request.operator} can see.", role_remedy, **evidence)
    env_type = (lcs.environment_type or "").lower()
    if not any(kind in env_type for kind in LINKABLE_ENVIRONMENT_TYPES):
        return _result(FAILED, f"'{lcs.name}' is a {lcs.environment_type} environment; only sandbox and production "
                               "environments can be linked after deployment.",
                       "Cloud-hosted development environments can only be linked when they are deployed.",
                       **evidence)
    if {(lcs.deployment_state or "").lower(), (lcs.deployment_status or "").lower()}.isdisjoint(DEPLOYED_STATES) \
            or (lcs.deployment_status or "").lower() == "failed":
        return _result(FAILED, f"'{lcs.name}' is not deployed (state {lcs.deployment_state}, status "
                               f"{lcs.deployment_status}).",
                       "Finish or repair the deployment in Lifecycle Services first.", **evidence)
    return _result(PASSED, f"{request.operator} can manage '{lcs.name}' ({lcs.environment_type}, deployed).",
                   **evidence)


@check("same-tenant", "Operator, LCS project and target environment are in one tenant",
       F.OPERATOR, F.TARGET, F.LCS_ENVIRONMENT)
def _same_tenant(request: LinkRequest, operator: F.OperatorFacts, target: F.TargetEnvironmentFacts,
                 lcs: F.LcsEnvironmentFacts) -> CheckResult:
    tenants = {"operator": operator.tenant_id, "targetEnvironment": target.tenant_id,
               "lcsSignIn": lcs.signed_in_tenant_id}
    known = {name: t.lower() for name, t in tenants.items() if t}
    evidence = {"tenants": tenants, "operatorUserType": operator.user_type}
    if (operator.user_type or "").lower() == "guest":
        return _result(FAILED, f"{operator.user_principal_name} is a guest in this tenant.",
                       "Use a member account of the tenant that owns the LCS project and the environment.", **evidence)
    if len(set(known.values())) > 1:
        return _result(FAILED, "The operator, the LCS sign-in and the target environment are not all in one tenant: "
                               + ", ".join(f"{k} {v}" for k, v in known.items()) + ".",
                       "Link only within one tenant: choose an environment of the tenant that owns the LCS project "
                       "and sign in to LCS from it.", **evidence)
    return _result(PASSED, "All three are in tenant " + next(iter(known.values()), "(unknown)") + ".", **evidence)


@check("target-not-linked", "The Dataverse environment is not linked to a finance and operations environment",
       F.TARGET, F.DATAVERSE_INTEGRATION)
def _target_not_linked(request: LinkRequest, target: F.TargetEnvironmentFacts,
                       integration: F.DataverseIntegrationFacts) -> CheckResult:
    linked_to = (target.linked_app.id if target.linked_app else None) or \
                (integration.environment_id if integration.linked else None)
    evidence = {"linkedAppMetadata": target.linked_app and {"type": target.linked_app.type, "id": target.linked_app.id},
                "dataverseIntegration": {"linked": integration.linked, "id": integration.environment_id,
                                         "url": integration.url}}
    if not linked_to:
        return _result(PASSED, f"'{target.display_name}' is not linked to any finance and operations environment.",
                       **evidence)
    if same_guid(linked_to, request.lcsEnvironmentId):
        return _result(FAILED, f"'{target.display_name}' is already linked to this finance and operations "
                               "environment: there is nothing to set up.",
                       "No action is needed; the link exists.", **evidence)
    return _result(FAILED, f"'{target.display_name}' is already linked to finance and operations environment "
                           f"{linked_to}. A Dataverse environment can be linked to one only, and links can't be undone.",
                   "Choose another Dataverse environment.", **evidence)


@check("source-not-linked", "The finance and operations environment is not already linked to Dataverse",
       F.LCS_LINKS, optional=(F.LCS_INTEGRATION,))
def _source_not_linked(request: LinkRequest, links: F.LcsLinksFacts,
                       lcs_integration: F.LcsIntegrationFacts | None) -> CheckResult:
    with_dataverse = [e for e in links.environments if e.has_dataverse]
    placeholders = [e for e in links.environments if not e.has_dataverse]
    evidence = {"linkedEnvironments": [{"id": e.id, "displayName": e.display_name, "hasDataverse": e.has_dataverse}
                                       for e in links.environments]}
    if lcs_integration is not None:
        evidence["lcsIntegrationState"] = lcs_integration.state
    if with_dataverse:
        env = with_dataverse[0]
        return _result(FAILED, f"The finance and operations environment is already linked to '{env.display_name}' "
                               f"({env.id}), which has a Dataverse database. Relinking is not supported.",
                       "No setup is possible for this environment; use the existing link.", **evidence)
    if lcs_integration is not None and lcs_integration.state != "NotConfigured":
        target = lcs_integration.power_platform_environment_id
        return _result(FAILED, f"Lifecycle Services reports Power Platform integration {lcs_integration.state}"
                               + (f" with environment {target}." if target else "."),
                       "No new setup is possible; follow the existing one in Lifecycle Services.", **evidence)
    if placeholders:
        return _result(PASSED, f"Only the initial environment '{placeholders[0].display_name}' (no Dataverse) is "
                               "linked; setup will disconnect it.", **evidence)
    return _result(PASSED, "The finance and operations environment is not linked to any Power Platform environment.",
                   **evidence)


REVALIDATED_CHECKS = vocabulary.REVALIDATED_CHECKS
