"""Microsoft Graph: users, their licenses and directory roles, role assignments, directory roles."""
from __future__ import annotations

import base64
import re
import uuid
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

from werkzeug.wrappers import Response

from sandbox.apis.base import Call, Service, request_id, route
from sandbox.faults import format_retry_after
from sandbox.model import User, normalize_guid
from sandbox.templates import template

AUDIENCE = "https://graph.microsoft.com"
_VERSION = r"/(?P<version>v1\.0|beta)"
_USER = _VERSION + r"/users/(?P<user>[^/]+)"
_EQUALS = re.compile(r"^\s*(?P<field>\w+)\s+eq\s+'(?P<value>(?:[^']|'')*)'\s*$", re.IGNORECASE)
_ROLE_NAMESPACE = uuid.UUID("a4bd5f38-6d4c-4b39-9a64-0c7a2c1d1f6e")
_EXTRA_ROLES = (
    {"displayName": "Dynamics 365 Administrator", "roleTemplateId": "44367163-eba1-44c3-98af-f5787879f96a",
     "description": "Can manage all aspects of the Dynamics 365 product."},
    {"displayName": "Power Platform Administrator", "roleTemplateId": "11648597-926c-4cf3-9c36-bcebb0ba8dcc",
     "description": "Can create and manage all aspects of Microsoft Dynamics 365, Power Apps and Power Automate."},
)


def role_catalogue() -> dict[str, dict[str, Any]]:
    """Directory roles by template id: the captured list plus the admin roles the checks look for."""
    roles = template("directoryroles_list.json")["value"] + [dict(r) for r in _EXTRA_ROLES]
    return {role["roleTemplateId"]: role for role in roles}


# Application permissions that allow each route (Graph's permissions reference, least privilege
# first); delegated (user) tokens are not checked here. Directory.Read.All covers everything.
_USERS = ("User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All")
_ROLES = ("RoleManagement.Read.Directory", "RoleManagement.Read.All", "RoleManagement.ReadWrite.Directory",
          "Directory.Read.All", "Directory.ReadWrite.All")
_ORGANIZATION = ("Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All",
                 "Directory.ReadWrite.All")
_ROUTE_PERMISSIONS = {
    "list_users": _USERS, "get_user": _USERS, "license_details": _USERS, "member_of": _USERS,
    "role_assignments": _ROLES, "directory_roles": _ROLES, "organization": _ORGANIZATION,
    "subscribed_skus": _ORGANIZATION,
}


def _plan_status(lic: Any, plan: dict[str, str]) -> str:
    # A plan an admin turned off for the user (disabledPlans) shows as Disabled in licenseDetails.
    if plan["servicePlanId"].lower() in lic.disabled_plans:
        return "Disabled"
    return plan.get("provisioningStatus", "Success")


def app_roles(call: Call) -> set[str] | None:
    """The application permissions of an app-only caller; None for a user's token.

    Read from the loaded scenario at each call, not from the token's roles claim: a real token keeps
    the roles it was issued with until it expires (about an hour), but a test that loads another
    scenario must not wait for the app's cached token to expire."""
    if not call.claims or "upn" in call.claims:
        return None
    app = call.scenario.applications.get(normalize_guid(call.claims.get("appid", "")))
    return set(app.roles if app else call.claims.get("roles") or ())


class GraphApi(Service):
    name = "graph"
    prefix = "/graph"
    content_type = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
    routes = (
        route("GET", _VERSION + r"/users/?", "list_users"),
        route("GET", _USER + r"/?", "get_user"),
        route("GET", _USER + r"/licenseDetails/?", "license_details"),
        route("GET", _USER + r"/(?P<relation>transitiveMemberOf|memberOf)(?:/(?P<cast>microsoft\.graph\.directoryRole))?/?", "member_of"),
        route("GET", _VERSION + r"/roleManagement/directory/roleAssignments/?", "role_assignments"),
        route("GET", _VERSION + r"/directoryRoles/?", "directory_roles"),
        route("GET", _VERSION + r"/organization/?", "organization"),
        route("GET", _VERSION + r"/subscribedSkus/?", "subscribed_skus"),
    )

    def audience(self, call: Call) -> str:
        return AUDIENCE

    # --- Graph's shapes: errors nest innerError with hyphenated request ids

    def json(self, call: Call, body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        rid = request_id()
        echoed = call.request.headers.get("client-request-id", rid)
        return super().json(call, body, status, {"request-id": rid, "client-request-id": echoed, **(headers or {})})

    def error(self, call: Call, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
        inner = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"), "request-id": request_id(),
                 "client-request-id": call.request.headers.get("client-request-id", request_id())}
        return self.json(call, {"error": {"code": code, "message": message, "innerError": inner}}, status, headers)

    def unauthorized(self, call: Call, message: str) -> Response:
        challenge = (f'Bearer realm="", authorization_uri="{call.sandbox.base_url}/common/oauth2/authorize", '
                     'client_id="00000003-0000-0000-c000-000000000000"')
        return self.error(call, 401, "InvalidAuthenticationToken", message, {"WWW-Authenticate": challenge})

    def not_found(self, call: Call) -> Response:
        return self.error(call, 400, "BadRequest", f"Resource not found for the segment '{call.path.rsplit('/', 1)[-1]}'.")

    def throttled(self, call: Call, retry_after: float) -> Response:
        body = template("throttling_429.json")
        body["error"]["innerError"].update(date=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"), **{"request-id": request_id()})
        return self.json(call, body, 429, {"Retry-After": format_retry_after(retry_after)})

    def failure(self, call: Call, status: int) -> Response:
        code = {500: "generalException", 502: "badGateway", 503: "serviceNotAvailable", 504: "gatewayTimeout"}[status]
        return self.error(call, status, code, "The service is temporarily unavailable. Please retry.")

    def authorize(self, call: Call, handler: str) -> Response | None:
        roles = app_roles(call)
        if roles is None or roles & set(_ROUTE_PERMISSIONS.get(handler, ())):
            return None
        return self.error(call, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")

    # --- helpers

    def _user(self, call: Call) -> tuple[User | None, Response | None]:
        key = unquote(call.params["user"])
        user = call.scenario.user(key)
        if user is None or user.tenant_id != call.scenario.tenant.id:
            return None, self.error(call, 404, "Request_ResourceNotFound",
                                    f"Resource '{key}' does not exist or one of its queried reference-property objects are not present.")
        return user, None

    def _context(self, call: Call, fragment: str) -> str:
        return f"{call.sandbox.base_url}/graph/{call.params['version']}/$metadata#{fragment}"

    def _count_refusal(self, call: Call) -> Response | None:
        # Advanced queries ($count, casts on directory objects) need ConsistencyLevel: eventual.
        if (call.query("$count") or "").lower() == "true" and call.request.headers.get("ConsistencyLevel", "").lower() != "eventual":
            return self.error(call, 400, "Request_BadRequest",
                              "$count is only supported with the ConsistencyLevel:eventual header.")
        return None

    def _collection(self, call: Call, fragment: str, items: list[dict[str, Any]]) -> Response:
        body: dict[str, Any] = {"@odata.context": self._context(call, fragment)}
        if (call.query("$count") or "").lower() == "true":
            body["@odata.count"] = len(items)
        body["value"] = items
        return self.json(call, body)

    def _user_document(self, call: Call, user: User) -> dict[str, Any]:
        doc = template("user_get_by_id.json")
        doc.update(user.profile)
        doc.update(displayName=user.display_name, userPrincipalName=user.upn, id=user.object_id)
        select = [f.strip() for f in (call.query("$select") or "").split(",") if f.strip()]
        if not select:
            return doc
        extra = {"assignedLicenses": [{"disabledPlans": list(lic.disabled_plans), "skuId": lic.sku_id}
                                      for lic in user.licenses],
                 "accountEnabled": True, "userType": "Member"}
        everything = {**doc, **extra}
        return {name: everything.get(name) for name in select}

    # --- routes

    def get_user(self, call: Call) -> Response:
        user, refusal = self._user(call)
        if refusal is not None:
            return refusal
        doc = self._user_document(call, user)
        select = call.query("$select")
        fragment = f"users({select})/$entity" if select else "users/$entity"
        return self.json(call, {"@odata.context": self._context(call, fragment), **doc})

    def list_users(self, call: Call) -> Response:
        users = [u for u in call.scenario.users.values() if u.tenant_id == call.scenario.tenant.id]
        filter_text = call.query("$filter")
        if filter_text:
            match = _EQUALS.match(filter_text)
            if match is None or match["field"] not in ("userPrincipalName", "mail", "id"):
                return self.error(call, 400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified.")
            field, value = match["field"], match["value"].replace("''", "'").lower()
            users = [u for u in users if str({"userPrincipalName": u.upn, "mail": u.profile.get("mail") or "", "id": u.object_id}[field]).lower() == value]
        select = call.query("$select")
        return self._collection(call, f"users({select})" if select else "users",
                                [self._user_document(call, u) for u in users])

    def license_details(self, call: Call) -> Response:
        user, refusal = self._user(call)
        if refusal is not None:
            return refusal
        items = []
        for lic in user.licenses:
            raw = uuid.UUID(user.object_id).bytes_le + uuid.UUID(lic.sku_id).bytes_le
            items.append({
                "id": base64.urlsafe_b64encode(raw).decode().rstrip("="),
                "skuId": lic.sku_id,
                "skuPartNumber": lic.sku_part_number,
                "servicePlans": [
                    {"servicePlanId": p["servicePlanId"], "servicePlanName": p["servicePlanName"],
                     "provisioningStatus": _plan_status(lic, p), "appliesTo": p.get("appliesTo", "User")}
                    for p in lic.service_plans
                ],
            })
        return self._collection(call, f"users('{user.object_id}')/licenseDetails", items)

    def member_of(self, call: Call) -> Response:
        user, refusal = self._user(call)
        if refusal is not None:
            return refusal
        refusal = self._count_refusal(call)
        if refusal is not None:
            return refusal
        # Without a role-reading permission Graph still lists the memberships, "with limited
        # information": the object's type and id, every other property null.
        readable = app_roles(call) is None or bool(app_roles(call) & set(_ROLES))
        roles = [{"@odata.type": "#microsoft.graph.directoryRole",
                  **(self._role(call, t) if readable else self._limited_role(call, t))}
                 for t in user.directory_roles]
        fragment = "directoryRoles" if call.params.get("cast") else "directoryObjects"
        return self._collection(call, fragment, roles)

    def role_assignments(self, call: Call) -> Response:
        match = _EQUALS.match(call.query("$filter") or "")
        if match is None or match["field"] != "principalId":
            return self.error(call, 400, "BadRequest", "Filter on principalId is required: $filter=principalId eq '{id}'.")
        user = call.scenario.user(match["value"].replace("''", "'"))
        assignments = [] if user is None else [
            {"id": f"{base64.urlsafe_b64encode(uuid.UUID(t).bytes_le).decode().rstrip('=')}-{user.object_id[:8]}-1",
             "principalId": user.object_id, "resourceScope": "/", "directoryScopeId": "/", "roleDefinitionId": t}
            for t in user.directory_roles
        ]
        return self._collection(call, "roleManagement/directory/roleAssignments", assignments)

    def directory_roles(self, call: Call) -> Response:
        active = sorted({t for u in call.scenario.users.values() for t in u.directory_roles})
        return self._collection(call, "directoryRoles", [self._role(call, t) for t in active])

    def organization(self, call: Call) -> Response:
        tenant = call.scenario.tenant
        organization = {
            "id": tenant.id,
            "displayName": tenant.display_name,
            "verifiedDomains": [{"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": True,
                                 "isInitial": True, "name": tenant.domain, "type": "Managed"}],
        }
        select = [f.strip() for f in (call.query("$select") or "").split(",") if f.strip()]
        if select:
            organization = {name: organization.get(name) for name in select}
        return self._collection(call, f"organization({','.join(select)})" if select else "organization", [organization])

    def subscribed_skus(self, call: Call) -> Response:
        """Every SKU a user of the tenant holds, with the scenario's capabilityStatus (Enabled by default)."""
        tenant = call.scenario.tenant
        held: dict[str, Any] = {}
        for user in call.scenario.users.values():
            for lic in user.licenses:
                held.setdefault(normalize_guid(lic.sku_id), []).append(lic)
        items = []
        for sku_id, licenses in held.items():
            status = tenant.subscriptions.get(sku_id, "Enabled")
            units = len(licenses)
            items.append({
                "accountName": tenant.display_name, "accountId": tenant.id, "appliesTo": "User",
                "capabilityStatus": status, "consumedUnits": units, "id": f"{tenant.id}_{sku_id}",
                "prepaidUnits": {"enabled": units if status in ("Enabled", "Warning") else 0,
                                 "suspended": units if status == "Suspended" else 0,
                                 "warning": units if status == "Warning" else 0,
                                 "lockedOut": units if status == "LockedOut" else 0},
                "servicePlans": [{"servicePlanId": p["servicePlanId"], "servicePlanName": p["servicePlanName"],
                                  "provisioningStatus": "Success", "appliesTo": p.get("appliesTo", "User")}
                                 for p in licenses[0].service_plans],
                "skuId": licenses[0].sku_id, "skuPartNumber": licenses[0].sku_part_number, "subscriptionIds": [],
            })
        select = [f.strip() for f in (call.query("$select") or "").split(",") if f.strip()]
        if select:
            items = [{name: item.get(name) for name in select} for item in items]
        return self._collection(call, "subscribedSkus", items)

    def _limited_role(self, call: Call, template_id: str) -> dict[str, Any]:
        full = self._role(call, template_id)
        return {key: (value if key == "id" else None) for key, value in full.items()}

    def _role(self, call: Call, template_id: str) -> dict[str, Any]:
        known = role_catalogue().get(template_id, {"displayName": "Directory role", "description": ""})
        return {
            # A directoryRole's id is per tenant; its roleTemplateId is the same everywhere.
            "id": str(uuid.uuid5(_ROLE_NAMESPACE, f"{call.scenario.tenant.id}:{template_id}")),
            "deletedDateTime": None,
            "description": known["description"],
            "displayName": known["displayName"],
            "roleTemplateId": template_id,
        }
