"""Every permission the app needs, declared once: which service calls need it, which checks depend on
it, and how an administrator grants it (least privilege).

The README's "Permissions" section is compared with this table by a test; `python -m cli doctor`
and `GET /api/health?deep=true` report on each entry; a service's refusal of a call is turned into
the matching entry's remedy on the checks that depend on it.
Sources: Microsoft Graph permissions reference and each API's "Permissions" section (User.Read.All
for users and licenseDetails; RoleManagement.Read.Directory for directory roles, else they come "with
limited information"; Organization.Read.All for /organization); Power Platform
"powerplatform-api-create-service-principal" (a registered management application is treated as a
Power Platform administrator); Dataverse application users; LCS "user_impersonation" (delegated only).
"""

from __future__ import annotations

from dataclasses import dataclass

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
LCS_APP_ID = "913c6de4-2a4a-4a61-a9ce-945d2b2ce2e0"

GRAPH_APPLICATION = "Microsoft Graph application permission"
MANAGEMENT_APPLICATION = "Power Platform management application"
APPLICATION_USER = "Dataverse application user"
PUBLIC_CLIENT = "Lifecycle Services public client (delegated)"


@dataclass(frozen=True)
class Permission:
    key: str
    kind: str
    name: str
    service: str  # the client's service name: graph, bap, powerplatform, dataverse, lcs
    operations: tuple[str, ...]  # client operations that need it
    checks: tuple[str, ...]  # checks that say `error` without it
    why: str
    grant: str  # one sentence for people
    commands: tuple[str, ...]  # exact commands, least privilege
    app_role_id: str | None = None  # Graph application permissions: the app role's id


# Commands use shell variables the README's grant procedure sets first: $APP_ID (the app's client id),
# $APP_SP (its service principal's object id, the managed identity's principal id), $GRAPH_SP (Microsoft
# Graph's service principal in the tenant), $ENVIRONMENT_ID, $LCS_CLIENT_ID, $OPERATOR.
_GRAPH_GRANT = ("az rest --method POST --uri https://graph.microsoft.com/v1.0/servicePrincipals/$APP_SP/appRoleAssignments "
                "--body \"{{\\\"principalId\\\": \\\"$APP_SP\\\", \\\"resourceId\\\": \\\"$GRAPH_SP\\\", "
                "\\\"appRoleId\\\": \\\"{role}\\\"}}\"")

# The Dataverse roles are looked up by the operator's object id in the target's Dataverse, so
# dataverse-system-administrator needs both the operator and the target.
_OPERATOR_CHECKS = ("environment-creation-policy", "operator-license", "same-tenant", "dataverse-system-administrator")
_TARGET_CHECKS = ("same-geography", "dataverse-ready", "same-tenant", "target-not-linked")

PERMISSIONS: tuple[Permission, ...] = (
    Permission(
        "graph-user-read-all", GRAPH_APPLICATION, "User.Read.All", "graph",
        ("get_user", "get_license_details", "get_directory_roles"), _OPERATOR_CHECKS,
        "reads the operator (profile, assignedLicenses, licenseDetails, transitiveMemberOf)",
        "Grant the Microsoft Graph application permission User.Read.All to the app and give admin consent.",
        (_GRAPH_GRANT.format(role="df021288-bdef-4463-88db-98f22de89214"),),
        "df021288-bdef-4463-88db-98f22de89214"),
    Permission(
        "graph-rolemanagement-read-directory", GRAPH_APPLICATION, "RoleManagement.Read.Directory", "graph",
        ("list_directory_roles",), ("environment-creation-policy",),
        "reads the operator's directory roles; without it Graph returns them with limited information "
        "(no roleTemplateId), so an admin role can't be seen",
        "Grant the Microsoft Graph application permission RoleManagement.Read.Directory to the app and give "
        "admin consent.",
        (_GRAPH_GRANT.format(role="483bed4a-2ad3-4361-a73b-c83ccdbdc53c"),),
        "483bed4a-2ad3-4361-a73b-c83ccdbdc53c"),
    Permission(
        "graph-organization-read-all", GRAPH_APPLICATION, "Organization.Read.All", "graph",
        ("get_tenant_id", "get_subscribed_skus"), _OPERATOR_CHECKS,
        "reads the tenant id (GET /organization) that same-tenant compares and the subscriptions' status "
        "(GET /subscribedSkus: a suspended subscription's licenses don't count)",
        "Grant the Microsoft Graph application permission Organization.Read.All to the app and give admin consent.",
        (_GRAPH_GRANT.format(role="498476ce-e0fe-48b0-b801-37ba7e2685c6"),),
        "498476ce-e0fe-48b0-b801-37ba7e2685c6"),
    Permission(
        "power-platform-management-application", MANAGEMENT_APPLICATION, "Power Platform management application",
        "bap", ("get_environment", "list_environments", "get_tenant_settings", "get_tenant_capacity"),
        ("dataverse-capacity", "environment-creation-policy", *_TARGET_CHECKS, "source-not-linked",
         "dataverse-system-administrator"),
        "reads environments, tenant settings (admin API) and tenant capacity (Power Platform API); "
        "registering the app makes it a Power Platform administrator",
        "A Power Platform administrator (a user: an app can't register itself) registers the app as a "
        "management application. This makes the app a Power Platform administrator of the tenant.",
        ("pac admin application register --application-id $APP_ID",
         "Add-PowerAppsAccount; New-PowerAppManagementApp -ApplicationId $APP_ID")),
    Permission(
        "dataverse-application-user", APPLICATION_USER, "Dataverse application user", "dataverse",
        ("find_system_user", "get_security_roles", "get_finops_integration", "who_am_i"),
        ("dataverse-system-administrator", "target-not-linked"),
        "reads the operator's security roles and the integration details in each target environment",
        "Add the app as an application user with a security role that can read users, teams and security "
        "roles in each target Dataverse environment.",
        ("pac admin assign-user --environment $ENVIRONMENT_ID --user $APP_ID "
         "--role \"System Administrator\" --application-user",)),
    Permission(
        "lcs-user-impersonation", PUBLIC_CLIENT, "Lifecycle Services user_impersonation", "lcs",
        # An LCS 403 is the operator's project role, not this grant: no call maps here.
        (),
        ("lcs-project-access", "same-geography", "same-tenant", "source-not-linked"),
        "the operator signs in to LCS (delegated only) with the device code flow",
        "Register a public client (\"Allow public client flows\" on) with the delegated permission "
        "user_impersonation of Dynamics Lifecycle services, consent to it, set LCS_CLIENT_ID, and let the operator "
        "sign in once with python -m cli login.",
        ("LCS_CLIENT_ID=$(az ad app create --display-name \"finops-link-lcs-sign-in\" --is-fallback-public-client true "
         "--query appId -o tsv)",
         "az ad app permission add --id $LCS_CLIENT_ID --api " + LCS_APP_ID + " --api-permissions "
         "\"$(az ad sp show --id " + LCS_APP_ID + " --query \"oauth2PermissionScopes[?value=='user_impersonation'].id\" "
         "-o tsv)=Scope\"",
         "az ad app permission admin-consent --id $LCS_CLIENT_ID",
         "python -m cli login --account $OPERATOR")),
)

BY_KEY = {p.key: p for p in PERMISSIONS}


def permission_for(service: str, operation: str) -> Permission | None:
    """The permission a refused call lacks. Power Platform API calls share BAP's registration."""
    service = "bap" if service == "powerplatform" else service
    return next((p for p in PERMISSIONS if p.service == service and operation in p.operations), None)


def remedy(permission: Permission) -> str:
    return f"The app lacks {permission.name} ({permission.kind}): {permission.grant} Command: {permission.commands[0]}"


def remedy_for(service: str, operation: str) -> str | None:
    permission = permission_for(service, operation)
    return remedy(permission) if permission else None
