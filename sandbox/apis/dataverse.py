"""Dataverse Web API of each scenario org under /dataverse/{org}: WhoAmI, systemusers, roles, teams,
their associations, RetrieveFinanceAndOperationsIntegrationDetails, and msprov_getfnoversiondetails.

Each org is its own resource: a token's aud must be that org's URL (https://127.0.0.1:{port}/dataverse/{org}).
"""
from __future__ import annotations

import json
import re
import uuid
import zlib
from typing import Any

from werkzeug.wrappers import Response

from sandbox.apis.base import Call, Service, request_id, route
from sandbox.apis.odata import Expand, ODataError, parse_expand
from sandbox.faults import format_retry_after
from sandbox.model import DataverseOrg, DataverseRole, DataverseTeam, normalize_guid
from sandbox.packages import INSTALLED, PLATFORM_TOOLS
from sandbox.templates import template

_API = r"/api/data/(?P<version>v9\.[0-2])"
_KEY = r"\((?P<key>[^)]+)\)"
_CLAUSE = re.compile(r"^\s*(?P<field>[A-Za-z_]\w*)\s+eq\s+(?P<value>'[^']*'|[0-9A-Fa-f-]{36}|-?\d+|true|false|null)\s*$")
NOT_INTEGRATED_CODE = "0x80048d0b"
NOT_INTEGRATED_MESSAGE = "Dataverse instance isn't integrated with finance and operations."


def parse_filter(text: str | None) -> list[tuple[str, Any]]:
    """`a eq 'x' and b eq <guid>` -> [(a, 'x'), (b, guid)]; the only filters the clients need."""
    if not text:
        return []
    clauses = []
    for part in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        match = _CLAUSE.match(part)
        if match is None:
            raise ODataError("0x80060888", f"Syntax error or unsupported clause in $filter: '{part.strip()}'.")
        raw = match["value"]
        value: Any = raw[1:-1] if raw.startswith("'") else {"true": True, "false": False, "null": None}.get(raw, raw)
        clauses.append((match["field"], value))
    return clauses


def _matches(record: dict[str, Any], clauses: list[tuple[str, Any]], entity: str) -> bool:
    for field, value in clauses:
        if field not in record:
            raise ODataError("0x0", f"Could not find a property named '{field}' on type 'Microsoft.Dynamics.CRM.{entity}'.")
        actual = record[field]
        if isinstance(actual, str) and isinstance(value, str):
            if normalize_guid(actual) != normalize_guid(value):
                return False
        elif actual != value:
            return False
    return True


def _etag(key: str) -> str:
    return f'W/"{zlib.crc32(key.encode()) % 10_000_000}"'


class DataverseApi(Service):
    name = "dataverse"
    prefix = "/dataverse"
    content_type = "application/json; odata.metadata=minimal"
    routes = (
        route("GET", _API + r"/WhoAmI(?:\(\))?", "who_am_i"),
        route("GET", _API + r"/RetrieveFinanceAndOperationsIntegrationDetails(?:\(\))?", "integration_details"),
        route("GET", _API + r"/msprov_getfnoversiondetails(?:\(\))?", "finops_versions"),
        route("GET", _API + r"/systemusers", "list_system_users"),
        route("GET", _API + r"/systemusers" + _KEY, "get_system_user"),
        route("GET", _API + r"/systemusers" + _KEY + r"/systemuserroles_association", "user_roles"),
        route("GET", _API + r"/systemusers" + _KEY + r"/teammembership_association", "user_teams"),
        route("GET", _API + r"/teams", "list_teams"),
        route("GET", _API + r"/teams" + _KEY + r"/teamroles_association", "team_roles"),
        route("GET", _API + r"/roles", "list_roles"),
    )

    # --- the org is part of the path and of the audience

    def handle(self, call: Call) -> Response:
        org_name, _, rest = call.path.lstrip("/").partition("/")
        if org_name not in call.scenario.dataverse_orgs:
            # Like a host name that does not resolve: nothing Dataverse-shaped answers.
            return Response(f"No Dataverse organisation '{org_name}'.", status=404, content_type="text/plain")
        call.path = "/" + rest
        call.params["org"] = org_name
        return super().handle(call)

    def operation(self, path: str, method: str) -> tuple[str, dict[str, str]] | None:
        org_name, _, rest = path.lstrip("/").partition("/")
        found = super().operation("/" + rest, method)
        return found and (found[0], {**found[1], "org": org_name})

    def org_url(self, call: Call) -> str:
        return f"{call.sandbox.base_url}/dataverse/{call.params['org']}"

    def audience(self, call: Call) -> str:
        return self.org_url(call)

    def json(self, call: Call, body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return super().json(call, body, status, {"OData-Version": "4.0", "x-ms-service-request-id": request_id(), **(headers or {})})

    def unauthorized(self, call: Call, message: str) -> Response:
        # Dataverse's own error code is empty for token failures; the challenge names the authority and resource.
        challenge = (f"Bearer authorization_uri={call.sandbox.base_url}/{call.scenario.tenant.id}/oauth2/authorize, "
                     f"resource_id={self.org_url(call)}/")
        return self.error(call, 401, "", message, {"WWW-Authenticate": challenge})

    def not_found(self, call: Call) -> Response:
        segment = call.path.rstrip("/").rsplit("/", 1)[-1]
        return self.error(call, 404, "0x8006088a", f"Resource not found for the segment '{segment}'.")

    def throttled(self, call: Call, retry_after: float) -> Response:
        return self.error(call, 429, "0x80072322", "Number of requests exceeded the limit of 6000 over time window of 300 seconds.",
                          {"Retry-After": format_retry_after(retry_after)})

    def failure(self, call: Call, status: int) -> Response:
        return self.error(call, status, "0x80040216", "An unexpected error occurred.")

    def precheck(self, call: Call) -> Response | None:
        """The caller must be a user of the org (an application user for app-only tokens)."""
        scenario = call.scenario
        claims = call.claims
        org = self._org(call)
        if "upn" in claims:
            member = org.users.get(claims["upn"].lower())
            allowed = member is not None and not member.is_disabled
        else:
            app = scenario.applications.get(normalize_guid(claims.get("appid", "")))
            allowed = app is not None and app.dataverse_application_user
        if allowed:
            return None
        return self.error(call, 403, "0x80072560", "The user is not a member of the organization.")

    # --- records

    def _org(self, call: Call) -> DataverseOrg:
        return call.scenario.dataverse_orgs[call.params["org"]]

    def _system_users(self, call: Call) -> list[dict[str, Any]]:
        org = self._org(call)
        scenario = call.scenario
        records = []
        for upn, member in org.users.items():
            user = scenario.user(upn)
            records.append({
                "@odata.etag": _etag(member.system_user_id), "systemuserid": member.system_user_id,
                "fullname": user.display_name, "domainname": user.upn, "internalemailaddress": user.profile.get("mail"),
                "azureactivedirectoryobjectid": user.object_id, "isdisabled": member.is_disabled, "accessmode": 0,
                "applicationid": None, "_businessunitid_value": org.business_unit_id,
            })
        for app in scenario.applications.values():
            if app.dataverse_application_user:
                system_user_id = self._application_user_id(org, app.client_id)
                records.append({
                    "@odata.etag": _etag(system_user_id), "systemuserid": system_user_id,
                    "fullname": f"# {app.display_name}", "domainname": f"{app.client_id}@{scenario.tenant.domain}",
                    "internalemailaddress": f"{app.client_id}@{scenario.tenant.domain}",
                    "azureactivedirectoryobjectid": app.object_id, "isdisabled": False, "accessmode": 4,
                    "applicationid": app.client_id, "_businessunitid_value": org.business_unit_id,
                })
        return records

    @staticmethod
    def _application_user_id(org: DataverseOrg, client_id: str) -> str:
        return str(uuid.uuid5(uuid.UUID(org.organization_id), client_id))

    @staticmethod
    def _role_record(org: DataverseOrg, role: DataverseRole) -> dict[str, Any]:
        return {"@odata.etag": _etag(role.role_id), "roleid": role.role_id, "name": role.name,
                "_roletemplateid_value": role.role_template_id, "_businessunitid_value": org.business_unit_id}

    @staticmethod
    def _team_record(org: DataverseOrg, team: DataverseTeam) -> dict[str, Any]:
        return {"@odata.etag": _etag(team.team_id), "teamid": team.team_id, "name": team.name, "teamtype": team.team_type,
                "azureactivedirectoryobjectid": team.aad_object_id, "_businessunitid_value": org.business_unit_id}

    def _query(self, call: Call, entity_set: str, entity: str, key: str, records: list[dict[str, Any]]) -> Response:
        """$filter, $select and $expand over `records`, answered as an OData collection."""
        try:
            clauses = parse_filter(call.query("$filter"))
            records = [r for r in records if _matches(r, clauses, entity)]
            select = [f.strip() for f in (call.query("$select") or "").split(",") if f.strip()]
            expands = parse_expand(call.query("$expand"))
            records = [self._shaped(call, r, select, expands, entity, key) for r in records]
        except ODataError as error:
            return self.error(call, 400, error.code, str(error))
        fragment = f"{entity_set}({','.join(select)})" if select else entity_set
        context = f"{self.org_url(call)}/api/data/{call.params['version']}/$metadata#{fragment}"
        return self.json(call, {"@odata.context": context, "value": records})

    def _shaped(self, call: Call, record: dict[str, Any], select: Any, expands: tuple[Expand, ...],
                entity: str, key: str) -> dict[str, Any]:
        """One record with its $select and its (nested) $expand collections."""
        shaped = self._project(record, list(select), entity, key)
        for expand in expands:
            related_entity, related_key, related = self._related(call, entity, record, expand.name)
            shaped[expand.name] = [self._shaped(call, r, expand.select, expand.expand, related_entity, related_key)
                                   for r in related]
        return shaped

    def _related(self, call: Call, entity: str, record: dict[str, Any], name: str) -> tuple[str, str, list[dict[str, Any]]]:
        """(entity, key, records) of the collection-valued navigation property `name` of `record`."""
        org = self._org(call)
        if entity == "systemuser" and name == "systemuserroles_association":
            member = next((m for m in org.users.values() if m.system_user_id == record["systemuserid"]), None)
            return "role", "roleid", [self._role_record(org, org.roles[n]) for n in (member.roles if member else ())]
        if entity == "systemuser" and name == "teammembership_association":
            upn = (record["domainname"] or "").lower()
            return "team", "teamid", [self._team_record(org, t) for t in org.teams.values() if upn in t.members]
        if entity == "team" and name == "teamroles_association":
            team = next(t for t in org.teams.values() if t.team_id == record["teamid"])
            return "role", "roleid", [self._role_record(org, org.roles[n]) for n in team.roles]
        raise ODataError("0x80060888", f"Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.{entity}'.")

    @staticmethod
    def _project(record: dict[str, Any], select: list[str], entity: str, key: str) -> dict[str, Any]:
        if not select:
            return dict(record)
        unknown = [f for f in select if f not in record]
        if unknown:
            raise ODataError("0x0", f"Could not find a property named '{unknown[0]}' on type 'Microsoft.Dynamics.CRM.{entity}'.")
        # Dataverse always returns the etag and the primary key, selected or not.
        return {"@odata.etag": record["@odata.etag"], **{f: record[f] for f in select}, key: record[key]}

    def _system_user(self, call: Call) -> tuple[dict[str, Any] | None, Response | None]:
        wanted = normalize_guid(call.params["key"])
        record = next((r for r in self._system_users(call) if r["systemuserid"] == wanted), None)
        if record is None:
            return None, self.error(call, 404, "0x80040217", f"systemuser With Id = {wanted} Does Not Exist")
        return record, None

    # --- routes

    def who_am_i(self, call: Call) -> Response:
        org = self._org(call)
        oid = call.claims.get("oid")
        user_id = next(r["systemuserid"] for r in self._system_users(call) if r["azureactivedirectoryobjectid"] == oid)
        body = template("whoami.json")
        body.update({
            "@odata.context": f"{self.org_url(call)}/api/data/{call.params['version']}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
            "BusinessUnitId": org.business_unit_id, "UserId": user_id, "OrganizationId": org.organization_id,
        })
        return self.json(call, body)

    def integration_details(self, call: Call) -> Response:
        env = call.scenario.environment_for_org(call.params["org"])
        linked = call.world.linked_app(env.id, call.now) if env else None
        if linked is None:
            # Documented as a code and message only; HTTP 400 is what is seen in practice.
            return self.error(call, 400, NOT_INTEGRATED_CODE, NOT_INTEGRATED_MESSAGE)
        body = template("retrievefinanceandoperationsintegrationdetails.json")
        body.update(Url=linked.url, TenantId=env.tenant_id, Id=linked.id)
        context = f"{self.org_url(call)}/api/data/{call.params['version']}/$metadata#Microsoft.Dynamics.CRM.RetrieveFinanceAndOperationsIntegrationDetailsResponse"
        return self.json(call, {"@odata.context": context, **body})

    def finops_versions(self, call: Call) -> Response:
        """The application versions the provisioning app offers; the function exists once Platform
        Tools is installed (inferred). Its answer wraps a JSON text in `Response`, as clients read it."""
        env = call.scenario.environment_for_org(call.params["org"])
        if env is None or PLATFORM_TOOLS not in env.packages or call.world.installs.state(env, PLATFORM_TOOLS, call.now) != INSTALLED:
            return self.not_found(call)
        versions = sorted(env.unified.versions if env.unified else ())
        context = f"{self.org_url(call)}/api/data/{call.params['version']}/$metadata#Microsoft.Dynamics.CRM.msprov_getfnoversiondetailsResponse"
        return self.json(call, {"@odata.context": context, "Response": json.dumps([{"value": v} for v in versions])})

    def list_system_users(self, call: Call) -> Response:
        return self._query(call, "systemusers", "systemuser", "systemuserid", self._system_users(call))

    def get_system_user(self, call: Call) -> Response:
        record, refusal = self._system_user(call)
        if refusal is not None:
            return refusal
        select = [f.strip() for f in (call.query("$select") or "").split(",") if f.strip()]
        try:
            record = self._project(record, select, "systemuser", "systemuserid")
        except ODataError as error:
            return self.error(call, 400, error.code, str(error))
        fragment = f"systemusers({','.join(select)})/$entity" if select else "systemusers/$entity"
        return self.json(call, {"@odata.context": f"{self.org_url(call)}/api/data/{call.params['version']}/$metadata#{fragment}", **record})

    def user_roles(self, call: Call) -> Response:
        return self._association(call, "systemuserroles_association", "roles")

    def user_teams(self, call: Call) -> Response:
        return self._association(call, "teammembership_association", "teams")

    def _association(self, call: Call, name: str, entity_set: str) -> Response:
        record, refusal = self._system_user(call)
        if refusal is not None:
            return refusal
        return self._query(call, entity_set, *self._related(call, "systemuser", record, name))

    def list_teams(self, call: Call) -> Response:
        org = self._org(call)
        return self._query(call, "teams", "team", "teamid", [self._team_record(org, t) for t in org.teams.values()])

    def team_roles(self, call: Call) -> Response:
        org = self._org(call)
        team = next((t for t in org.teams.values() if t.team_id == normalize_guid(call.params["key"])), None)
        if team is None:
            return self.error(call, 404, "0x80040217", f"team With Id = {call.params['key']} Does Not Exist")
        return self._query(call, "roles", *self._related(call, "team", self._team_record(org, team), "teamroles_association"))

    def list_roles(self, call: Call) -> Response:
        org = self._org(call)
        return self._query(call, "roles", "role", "roleid", [self._role_record(org, r) for r in org.roles.values()])
