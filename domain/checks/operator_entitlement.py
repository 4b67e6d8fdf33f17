"""operator-entitlement: the operator holds a finance and operations license, or the Power Platform
Administrator or Dynamics 365 Administrator role, as the provisioning app's install requires
(setupMode unified; for LCS-managed environments operator-license asks for the license)."""

from __future__ import annotations

from domain import directory, facts as F
from domain.checks.engine import ERROR, FAILED, PASSED, Check, CheckResult, verdict
from domain.checks.operator_license import judge_licenses
from domain.permissions import BY_KEY, remedy
from domain.request import LinkRequest

ADMIN_ROLES = {directory.POWER_PLATFORM_ADMINISTRATOR: "Power Platform Administrator",
               directory.DYNAMICS_365_ADMINISTRATOR: "Dynamics 365 Administrator"}
ROLE_CACHE_NOTE = ("Microsoft documents a 12-hour cache: a role assigned within the last 12 hours may not be "
                   "honoured by the install yet.")


def rule(request: LinkRequest, operator: F.OperatorFacts) -> CheckResult:
    _verdicts, qualified, evidence = judge_licenses(operator)
    roles = [ADMIN_ROLES[r.template_id.lower()] for r in operator.directory_roles if r.template_id.lower() in ADMIN_ROLES]
    evidence = {**evidence, "operatorAdminRoles": roles, "roleCacheNote": ROLE_CACHE_NOTE}
    who = operator.user_principal_name
    if qualified:
        return verdict(PASSED, f"{who} holds {qualified.plan.product} "
                               f"({qualified.sku_part_number or qualified.sku_id}).", **evidence)
    if roles:
        return verdict(PASSED, f"{who} holds the {roles[0]} role. {ROLE_CACHE_NOTE}", **evidence)
    if operator.directory_roles_limited:
        grant = BY_KEY["graph-rolemanagement-read-directory"]
        return verdict(ERROR, f"{who} holds no finance and operations license, and {operator.directory_roles_limited} "
                              "of their directory roles came back with limited information (no roleTemplateId), so an "
                              "administrator role can't be seen.", remedy(grant), missingPermission=grant.name,
                       **evidence)
    return verdict(FAILED, f"{who} holds neither a finance and operations license nor the Power Platform "
                           "Administrator or Dynamics 365 Administrator role.",
                   "Assign the operator a Dynamics 365 Finance or Supply Chain Management license (Microsoft 365 admin "
                   "center > Users > Active users > Licenses and apps), or the Power Platform Administrator or "
                   f"Dynamics 365 Administrator role, then check again. {ROLE_CACHE_NOTE}", **evidence)


CHECK = Check(
    id="operator-entitlement",
    title="The operator holds a finance and operations license or a Power Platform administrator role",
    needs=(F.OPERATOR,),
    rule=rule,
    order=31,
    modes=frozenset({"unified"}),
)
