"""Is every permission of domain/permissions.py granted? Asks each service once, with the app's own
identity, the call that needs the permission, and says per permission: granted, missing or not
checkable, with the fix. Nothing secret is in the report (service errors never carry tokens).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from domain.permissions import BY_KEY, Permission
from services.errors import PermissionDenied, ServiceError, TokenUnavailable

GRANTED, MISSING, NOT_CHECKABLE = "granted", "missing", "not checkable"


@dataclass(frozen=True)
class Finding:
    permission: Permission
    status: str
    detail: str

    def to_json(self) -> dict[str, Any]:
        p = self.permission
        return {"key": p.key, "name": p.name, "kind": p.kind, "status": self.status, "detail": self.detail,
                "neededBy": list(p.checks), "why": p.why,
                "fix": None if self.status == GRANTED else {"grant": p.grant, "commands": list(p.commands)}}


def _probe(permission: Permission, call: Callable[[], str]) -> Finding:
    try:
        return Finding(permission, GRANTED, call())
    except PermissionDenied as error:
        if error.status == 403:
            return Finding(permission, MISSING, str(error))
        return Finding(permission, NOT_CHECKABLE, f"the token was refused: {error}")
    except TokenUnavailable as error:
        return Finding(permission, MISSING if permission.service == "lcs" else NOT_CHECKABLE, str(error))
    except ServiceError as error:
        return Finding(permission, NOT_CHECKABLE, f"the service did not give a usable answer: {error}")


def _graph_findings(clients: Any) -> list[Finding]:
    graph = clients.graph

    def roles() -> str:
        return f"{len(graph.list_directory_roles())} directory roles readable"
    return [
        _probe(BY_KEY["graph-user-read-all"], lambda: f"users readable (e.g. {graph.first_user_id()})"),
        _probe(BY_KEY["graph-rolemanagement-read-directory"], roles),
        _probe(BY_KEY["graph-organization-read-all"], lambda: f"tenant {graph.get_tenant_id()}"),
    ]


def _management_finding(clients: Any) -> Finding:
    """BAP and the Power Platform API both honour the one registration: both must accept the app."""
    permission = BY_KEY["power-platform-management-application"]

    def admin_api() -> str:
        clients.bap.get_tenant_settings()
        return "admin API: tenant settings readable"

    def power_platform_api() -> str:
        clients.powerplatform.get_tenant_capacity()
        return "Power Platform API: tenant capacity readable"
    findings = (_probe(permission, admin_api), _probe(permission, power_platform_api))
    for status in (MISSING, NOT_CHECKABLE):
        worst = next((f for f in findings if f.status == status), None)
        if worst:
            return worst
    return Finding(permission, GRANTED, "; ".join(f.detail for f in findings))


def _dataverse_finding(clients: Any, environment_id: str | None, management: Finding) -> Finding:
    permission = BY_KEY["dataverse-application-user"]
    if not environment_id:
        return Finding(permission, NOT_CHECKABLE, "name a target environment (powerPlatformEnvironmentId) to check "
                                                  "the application user there")
    if management.status != GRANTED:
        return Finding(permission, NOT_CHECKABLE, "the environment's Dataverse URL comes from the admin API, which "
                                                  "refused the app (see the management application)")

    def who_am_i() -> str:
        env = clients.bap.get_environment(environment_id)
        if not env.instance_url:
            raise ServiceError("bap", "get_environment", 200, "NoDataverse", f"environment {environment_id} has no "
                                                                             "Dataverse")
        return f"application user {clients.dataverse(env.instance_url).who_am_i()} in {env.instance_url}"
    return _probe(permission, who_am_i)


def _lcs_finding(clients: Any, lcs_account: str | None) -> Finding:
    permission = BY_KEY["lcs-user-impersonation"]
    if not lcs_account:
        return Finding(permission, NOT_CHECKABLE, "name the operator (lcsAccount) whose LCS sign-in to check")
    return _probe(permission, lambda: f"signed in to LCS as {clients.lcs(lcs_account).signed_in_account().upn}")


def diagnose(clients: Any, environment_id: str | None = None, lcs_account: str | None = None) -> dict[str, Any]:
    management = _management_finding(clients)
    findings = [*_graph_findings(clients), management, _dataverse_finding(clients, environment_id, management),
                _lcs_finding(clients, lcs_account)]
    statuses = {f.status for f in findings}
    overall = MISSING if MISSING in statuses else NOT_CHECKABLE if NOT_CHECKABLE in statuses else GRANTED
    return {"status": overall, "permissions": [f.to_json() for f in findings]}
