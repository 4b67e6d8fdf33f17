"""Microsoft Graph: the operator (user, licenses and their service plans), their directory roles,
the tenant id. Each call's application permission is declared in domain/permissions.py."""

from __future__ import annotations

import re
from typing import Any

from services.errors import NotFound, ServiceError
from services.http import ServiceHttp
from services.models import AssignedLicense, DirectoryRole, DirectoryRoles, GraphUser, LicenseDetail, ServicePlan
from services.odata import literal, segment
from domain.values import guid_or_text, normalize_guid

SERVICE = "graph"
USER_SELECT = "id,userPrincipalName,displayName,userType,assignedLicenses"
DIRECTORY_ROLE_TYPE = "#microsoft.graph.directoryRole"
# UPNs Graph reads as a plain key in /users/{upn}/...: no apostrophe, '#EXT#', '$' or '%' to misread.
_PATH_SAFE_UPN = re.compile(r"[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+")


def path_safe_upn(value: str) -> bool:
    """Whether `value` (a UPN or an object id) can stand for the user in a Graph path."""
    return _PATH_SAFE_UPN.fullmatch(value) is not None or _guid(value) is not None


def _guid(value: str) -> str | None:
    try:
        return normalize_guid(value)
    except ValueError:
        return None


def user_key(value: str) -> str:
    """The path segment of a user: its object id, or a UPN that path_safe_upn accepts."""
    if not path_safe_upn(value):
        raise ValueError(f"{value!r} cannot stand for a user in a Graph path; use its object id")
    return segment(_guid(value) or value)


class GraphClient:
    def __init__(self, http: ServiceHttp, base_url: str):
        self._http = http
        self._base = base_url.rstrip("/") + "/v1.0"

    def get_user(self, upn: str) -> GraphUser:
        """By UPN (or object id). NotFound when no user matches.

        A UPN is looked up with $filter rather than in the path: Graph misreads UPNs holding an
        apostrophe or '#EXT#' as path segments; in a filter they are a plain escaped literal."""
        operation = "get_user"
        user_id = _guid(upn)
        if user_id:
            body = self._http.get_json(operation, f"{self._base}/users/{segment(user_id)}",
                                       params={"$select": USER_SELECT})
            return parse_user(body)
        items = list(self._http.get_items(operation, f"{self._base}/users", params={
            "$filter": f"userPrincipalName eq {literal(upn)}", "$select": USER_SELECT}))
        if not items:
            raise NotFound(SERVICE, operation, 404, "Request_ResourceNotFound", f"no user {upn!r} in the tenant")
        return parse_user(items[0])

    def get_license_details(self, user: str) -> list[LicenseDetail]:
        """The licenses of `user` (object id or path-safe UPN) with the service plans each contains
        and their provisioning status."""
        items = self._http.get_items("get_license_details", f"{self._base}/users/{user_key(user)}/licenseDetails")
        return [parse_license_detail(item) for item in items]

    def get_subscribed_skus(self) -> dict[str, str]:
        """The tenant's subscriptions: capabilityStatus (Enabled, Warning, Suspended, Deleted, LockedOut)
        per skuId. A user's license from a suspended subscription still lists its plans as Success."""
        items = self._http.get_items("get_subscribed_skus", f"{self._base}/subscribedSkus",
                                     params={"$select": "skuId,skuPartNumber,capabilityStatus"})
        return {guid_or_text(item.get("skuId")) or "": item.get("capabilityStatus") or "" for item in items}

    def get_directory_roles(self, user: str) -> DirectoryRoles:
        """Directory roles of `user` (object id or path-safe UPN) held directly or through groups
        (transitive). PIM-eligible roles that are not activated are not memberships, so they do not appear."""
        items = list(self._http.get_items(
            "get_directory_roles",
            f"{self._base}/users/{user_key(user)}/transitiveMemberOf/microsoft.graph.directoryRole",
            params={"$count": "true", "$select": "id,displayName,roleTemplateId"},
            headers={"ConsistencyLevel": "eventual"}))
        return DirectoryRoles(tuple(parse_directory_roles(items)), count_limited_roles(items))

    def list_directory_roles(self) -> list[DirectoryRole]:
        """The tenant's activated directory roles (needs a role-reading permission, unlike memberships)."""
        items = self._http.get_items("list_directory_roles", f"{self._base}/directoryRoles",
                                     params={"$select": "id,displayName,roleTemplateId"})
        return parse_directory_roles({"@odata.type": DIRECTORY_ROLE_TYPE, **item} for item in items)

    def first_user_id(self) -> str | None:
        """Any one user's id: proves the app may read users."""
        body = self._http.get_json("get_user", f"{self._base}/users", params={"$top": "1", "$select": "id"})
        return next((item.get("id") for item in (body or {}).get("value") or ()), None)

    def get_tenant_id(self) -> str:
        operation = "get_tenant_id"
        items = list(self._http.get_items(operation, f"{self._base}/organization", params={"$select": "id"}))
        if not items or not items[0].get("id"):
            raise ServiceError(SERVICE, operation, 200, "UnexpectedResponse", "no organization in the answer")
        return guid_or_text(items[0]["id"]) or ""


def parse_user(payload: dict[str, Any]) -> GraphUser:
    return GraphUser(
        id=normalize_guid(payload["id"]),
        user_principal_name=payload.get("userPrincipalName"),
        display_name=payload.get("displayName"),
        user_type=payload.get("userType"),
        assigned_licenses=tuple(parse_license(item) for item in payload.get("assignedLicenses") or ()),
    )


def parse_license(item: dict[str, Any]) -> AssignedLicense:
    # Graph sometimes spells skuIds in upper case.
    return AssignedLicense(sku_id=guid_or_text(item.get("skuId")) or "",
                           disabled_plans=tuple(guid_or_text(p) or "" for p in item.get("disabledPlans") or ()))


def parse_license_detail(item: dict[str, Any]) -> LicenseDetail:
    plans = tuple(ServicePlan(id=guid_or_text(p.get("servicePlanId")) or "", name=p.get("servicePlanName"),
                              provisioning_status=p.get("provisioningStatus"))
                  for p in item.get("servicePlans") or ())
    return LicenseDetail(sku_id=guid_or_text(item.get("skuId")) or "", sku_part_number=item.get("skuPartNumber"),
                         service_plans=plans)


def count_limited_roles(items: Any) -> int:
    """Directory roles Graph returned with limited information: typed as a role, without a template id."""
    return sum(1 for item in items
               if item.get("@odata.type") == DIRECTORY_ROLE_TYPE and not item.get("roleTemplateId"))


def parse_directory_roles(items: Any) -> list[DirectoryRole]:
    """Directory roles among directory objects; groups and other types (present when the cast is
    not applied) are skipped."""
    roles = []
    for item in items:
        kind = item.get("@odata.type")
        if (kind is not None and kind != DIRECTORY_ROLE_TYPE) or not item.get("roleTemplateId"):
            continue
        roles.append(DirectoryRole(template_id=guid_or_text(item["roleTemplateId"]) or "",
                                   display_name=item.get("displayName")))
    return roles
