"""Dataverse Web API of one environment: the operator's system user and security roles, whether
the environment is already integrated with finance and operations, and the finance and operations
versions it may install (setupMode unified)."""

from __future__ import annotations

import json
from typing import Any, Iterable

from services.errors import NotFound, ServiceError
from services.http import ServiceHttp
from services.models import FinOpsIntegration, SecurityRole, SystemUser
from domain.values import guid_or_text, normalize_guid

SERVICE = "dataverse"
API = "/api/data/v9.2"
# Microsoft documents this function under v9.1.
FINOPS_INTEGRATION = "/api/data/v9.1/RetrieveFinanceAndOperationsIntegrationDetails"
# Undocumented by Microsoft; d365bap.tools reads the versions the provisioning app offers from it.
FINOPS_VERSIONS = API + "/msprov_getfnoversiondetails"
NO_SUCH_SEGMENT_CODE = "0x8006088a"
NOT_INTEGRATED_CODE = "0x80048d0b"
ROLE_SELECT = "name,roleid,_roletemplateid_value"
ODATA_HEADERS = {"OData-Version": "4.0", "OData-MaxVersion": "4.0"}
NO_CACHE = {"If-None-Match": "null"}
ROLES_EXPAND = (f"systemuserroles_association($select={ROLE_SELECT}),"
                f"teammembership_association($select=teamid,name;$expand=teamroles_association($select={ROLE_SELECT}))")


class DataverseClient:
    def __init__(self, http: ServiceHttp, instance_url: str):
        self._http = http
        self.instance_url = instance_url.rstrip("/")
        self._api = self.instance_url + API

    def who_am_i(self) -> str:
        """The caller's own systemuserid: proves the app is an application user of this environment."""
        body = self._http.get_json("who_am_i", self._api + "/WhoAmI")
        return guid_or_text((body or {}).get("UserId")) or ""

    def find_system_user(self, entra_object_id: str) -> SystemUser | None:
        """The systemuser of an Entra object id; None when the user has no record in this environment."""
        found = self.find_system_user_with_roles(entra_object_id, roles=False)
        return found[0] if found else None

    def find_system_user_with_roles(self, entra_object_id: str, *,
                                    roles: bool = True) -> tuple[SystemUser, list[SecurityRole]] | None:
        """The systemuser of an Entra object id with its security roles, held directly and through
        team membership (via_team names the team), in one query: the roles and the teams' roles are
        nested $expands. None when the user has no record in this environment."""
        # A GUID literal is unquoted in OData 4; normalize_guid guarantees nothing else gets in.
        params = {"$select": "systemuserid,fullname,isdisabled",
                  "$filter": f"azureactivedirectoryobjectid eq {normalize_guid(entra_object_id)}"}
        if roles:
            params["$expand"] = ROLES_EXPAND
        # Expanded collections may come from a cache without this header (Dataverse's query docs).
        items = self._http.get_items("find_system_user", f"{self._api}/systemusers", params=params,
                                     headers=NO_CACHE if roles else None)
        for item in items:
            return parse_system_user(item), self._expanded_roles(item) if roles else []
        return None

    def _expanded_roles(self, user: dict[str, Any]) -> list[SecurityRole]:
        found = parse_roles(self._expanded(user, "systemuserroles_association"))
        for team in self._expanded(user, "teammembership_association"):
            found += parse_roles(self._expanded(team, "teamroles_association"),
                                 via_team=team.get("name") or team.get("teamid"))
        return found

    def _expanded(self, record: dict[str, Any], relation: str) -> list[dict[str, Any]]:
        """An expanded collection, with the rest of its pages when Dataverse gives it a nextLink."""
        items = [item for item in record.get(relation) or () if isinstance(item, dict)]
        next_link = record.get(f"{relation}@odata.nextLink")
        if next_link:
            items += self._http.get_items("get_security_roles", next_link, headers=NO_CACHE)
        return items

    def get_finops_integration(self) -> FinOpsIntegration | None:
        """The finance and operations environment this Dataverse is linked to; None when not linked.
        Any other failure raises: "not linked" must never be concluded from an unrelated error."""
        try:
            body = self._http.get_json("get_finops_integration", self.instance_url + FINOPS_INTEGRATION)
        except ServiceError as error:
            if is_not_integrated(error.code, error.message):
                return None
            raise
        return parse_finops_integration(body)


    def get_finops_versions(self) -> tuple[str, ...] | None:
        """Finance and operations versions the provisioning app may install here (setupMode unified),
        e.g. 10.0.44.5; None when this Dataverse has no such function (Platform Tools not installed)."""
        try:
            body = self._http.get_json("get_finops_versions", self.instance_url + FINOPS_VERSIONS)
        except NotFound as error:
            if (error.code or "").lower() == NO_SUCH_SEGMENT_CODE:
                return None
            raise
        return parse_finops_versions(body)


def is_not_integrated(code: str | None, message: str | None) -> bool:
    # The same code also means "Dataverse Search feature is disabled": match the message too.
    return (code or "").lower() == NOT_INTEGRATED_CODE and \
        "integrated with finance and operations" in (message or "").lower()


def parse_system_user(item: dict[str, Any]) -> SystemUser:
    return SystemUser(id=normalize_guid(item["systemuserid"]), full_name=item.get("fullname"),
                      is_disabled=bool(item.get("isdisabled")))


def parse_roles(items: Iterable[dict[str, Any]], via_team: str | None = None) -> list[SecurityRole]:
    return [SecurityRole(name=item.get("name"), role_id=guid_or_text(item.get("roleid")),
                         template_id=guid_or_text(item.get("_roletemplateid_value")), via_team=via_team)
            for item in items]


def parse_finops_integration(payload: Any) -> FinOpsIntegration:
    if not isinstance(payload, dict):
        raise ServiceError(SERVICE, "get_finops_integration", 200, "UnexpectedResponse", "not a JSON object")
    # TenantId stays text: Microsoft's own published example holds one that is not a GUID.
    return FinOpsIntegration(url=payload.get("Url"), tenant_id=guid_or_text(payload.get("TenantId")),
                             environment_id=guid_or_text(payload.get("Id")))


def parse_finops_versions(payload: Any) -> tuple[str, ...]:
    """`{"Response": "<JSON text>"}` whose text is a list of `{"value": "10.0.44.5"}` (read as d365bap.tools does)."""
    text = payload.get("Response") if isinstance(payload, dict) else None
    try:
        items = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        items = None
    if not isinstance(items, list):
        raise ServiceError(SERVICE, "get_finops_versions", 200, "UnexpectedResponse", "Response is not a JSON list")
    return tuple(str(item["value"]) for item in items if isinstance(item, dict) and item.get("value"))
