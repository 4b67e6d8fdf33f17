"""environment-creation-policy: the tenant lets everyone create environments, or the operator holds
an admin role that may (Dynamics 365, Power Platform or Global Administrator)."""

from __future__ import annotations

from domain import directory, facts as F
from domain.checks.engine import ERROR, FAILED, PASSED, Check, CheckResult, verdict
from domain.permissions import BY_KEY, remedy
from domain.request import LinkRequest
from domain.setup_modes import lcs_managed_modes


def rule(request: LinkRequest, settings: F.TenantSettingsFacts, operator: F.OperatorFacts) -> CheckResult:
    admin_roles = [r.display_name or directory.ENVIRONMENT_ADMIN_ROLES[r.template_id.lower()]
                   for r in operator.directory_roles if r.template_id.lower() in directory.ENVIRONMENT_ADMIN_ROLES]
    evidence = {"disableEnvironmentCreationByNonAdminUsers": settings.non_admin_environment_creation_disabled,
                "operatorAdminRoles": admin_roles}
    if not settings.non_admin_environment_creation_disabled:
        return verdict(PASSED, "Everyone in the tenant may create environments.", **evidence)
    if admin_roles:
        return verdict(PASSED, f"Only admins may create environments, and the operator holds {admin_roles[0]}.",
                       **evidence)
    if operator.directory_roles_limited:
        # Graph hid these roles' identity: one of them may be an admin role. Never read as "none".
        grant = BY_KEY["graph-rolemanagement-read-directory"]
        return verdict(ERROR, f"Only admins may create environments, and {operator.directory_roles_limited} of the "
                              "operator's directory roles came back with limited information (no roleTemplateId): "
                              "the app may not read directory roles, so an admin role can't be seen.",
                       remedy(grant), limitedDirectoryRoles=operator.directory_roles_limited,
                       missingPermission=grant.name, **evidence)
    return verdict(
        FAILED, "Only admins may create environments in this tenant, and the operator holds none of "
                "Dynamics 365 Administrator, Power Platform Administrator or Global Administrator.",
        "Ask a Global Administrator to assign the operator the Dynamics 365 Administrator or Power Platform "
        "Administrator role (if the role is eligible through Privileged Identity Management, activate it "
        "first), or let everyone create environments in Power Platform admin center > Settings.", **evidence)


CHECK = Check(
    id="environment-creation-policy",
    title="The operator may create Power Platform environments",
    needs=(F.TENANT_SETTINGS, F.OPERATOR),
    rule=rule,
    order=20,
    modes=lcs_managed_modes(),  # linking an LCS-managed environment only
)
