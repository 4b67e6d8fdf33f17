"""Power Platform admin API (BAP): environments (get, list), tenant settings, locations, tenant.

Environments are built on the captured payloads (with or without Dataverse) and show, at the sandbox
clock's moment, the management state and linkedAppMetadata that provisioning changes.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from sandbox.apis.base import Call, Service, route
from sandbox.model import PowerPlatformEnvironment, normalize_guid
from sandbox.templates import template

AUDIENCE = "https://service.powerapps.com"
ADMIN_ROLE_TEMPLATE_IDS = frozenset({
    "62e90394-69f5-4237-9190-012177145e10",  # Global Administrator
    "44367163-eba1-44c3-98af-f5787879f96a",  # Dynamics 365 Administrator
    "11648597-926c-4cf3-9c36-bcebb0ba8dcc",  # Power Platform Administrator
})
_PROVIDER = "/providers/Microsoft.BusinessAppPlatform"
# Inferred: BAP pages the admin list with a top-level nextLink (Microsoft's PowerShell module and
# Terraform provider follow it); the size of a page is not documented.
PAGE_SIZE = 100
# The one $filter the sandbox reads, the shape BAP takes for nested properties
# (properties/parentEnvironmentGroup/id eq ... in Microsoft's Terraform provider).
_LINKED_APP_FILTER = re.compile(r"^\s*properties/linkedAppMetadata/id\s+eq\s+'(?P<id>[^']*)'\s*$", re.IGNORECASE)


def missing_api_version(service: Service, call: Call) -> Response | None:
    """ARM-style services refuse a call without ?api-version=."""
    if call.query("api-version"):
        return None
    return service.error(call, 400, "MissingApiVersionParameter",
                         "The api-version query parameter (?api-version=) is required for all requests.")


def admin_refusal(service: Service, call: Call, action: str) -> Response | None:
    """App-only callers must be registered admin management apps; users need an admin directory role."""
    claims = call.claims
    scenario = call.scenario
    if "upn" in claims:
        user = scenario.user(claims["upn"])
        allowed = user is not None and bool(ADMIN_ROLE_TEMPLATE_IDS & set(user.directory_roles))
    else:
        app = scenario.applications.get(normalize_guid(claims.get("appid", "")))
        allowed = app is not None and app.power_platform_admin
    if allowed:
        return None
    # Inferred wording: the real 403 says the caller lacks permission for the admin action.
    return service.error(call, 403, "Forbidden",
                         f"The caller with object id '{claims.get('oid')}' does not have permission to perform action "
                         f"'{action}'. A service principal must be registered as a Power Platform management "
                         "application.")


class BapApi(Service):
    name = "bap"
    prefix = "/bap"
    routes = (
        route("GET", _PROVIDER + r"/scopes/admin/environments/?", "list_environments", re.IGNORECASE),
        route("GET", _PROVIDER + r"/scopes/admin/environments/(?P<environment>[^/]+)/?", "get_environment", re.IGNORECASE),
        route("POST", _PROVIDER + r"/listTenantSettings/?", "tenant_settings", re.IGNORECASE),
        route("GET", _PROVIDER + r"/locations/?", "locations", re.IGNORECASE),
        route("GET", _PROVIDER + r"/tenant/?", "tenant", re.IGNORECASE),
    )

    def audience(self, call: Call) -> str:
        return AUDIENCE

    def precheck(self, call: Call) -> Response | None:
        return missing_api_version(self, call)

    def _admin_refusal(self, call: Call, action: str) -> Response | None:
        return admin_refusal(self, call, f"Microsoft.BusinessAppPlatform/{action}")

    # --- routes

    def list_environments(self, call: Call) -> Response:
        refusal = self._admin_refusal(call, "scopes/admin/environments/read")
        if refusal is not None:
            return refusal
        environments = list(call.scenario.power_platform_environments.values())
        filter_text = call.query("$filter")
        if filter_text:
            match = _LINKED_APP_FILTER.match(filter_text)
            if match is None:
                return self.error(call, 400, "InvalidFilter", f"The $filter '{filter_text}' is not supported.")
            environments = [env for env in environments if _linked_app_id(call, env) == normalize_guid(match["id"])]
        start = int(call.query("$skiptoken") or 0)
        page = environments[start:start + PAGE_SIZE]
        expand = self._expand(call)
        body: dict[str, Any] = {"value": [environment_document(call, env, expand) for env in page]}
        if start + PAGE_SIZE < len(environments):
            args = {k: v for k, v in call.request.args.items() if k.lower() != "$skiptoken"}
            body["nextLink"] = (f"{call.sandbox.base_url}/bap{_PROVIDER}/scopes/admin/environments?"
                                f"{urlencode({**args, '$skiptoken': start + PAGE_SIZE})}")
        return self.json(call, body)

    def get_environment(self, call: Call) -> Response:
        refusal = self._admin_refusal(call, "scopes/admin/environments/read")
        if refusal is not None:
            return refusal
        env_id = normalize_guid(call.params["environment"])
        env = call.scenario.power_platform_environments.get(env_id)
        if env is None:
            return self.error(call, 404, "EnvironmentNotFound",
                              f"The environment '{call.params['environment']}' could not be found in the tenant '{call.scenario.tenant.id}'.")
        return self.json(call, environment_document(call, env, self._expand(call)))

    def tenant_settings(self, call: Call) -> Response:
        refusal = self._admin_refusal(call, "listTenantSettings/action")
        if refusal is not None:
            return refusal
        body = template("list-tenant-settings.json")
        body.update(call.scenario.tenant.settings)
        return self.json(call, body)

    def locations(self, call: Call) -> Response:
        return self.json(call, template("locations.json"))

    def tenant(self, call: Call) -> Response:
        tenant = call.scenario.tenant
        body = template("tenant.json")
        body.update(tenantId=tenant.id, location=tenant.geography, aadCountryGeo=tenant.geography,
                    dataStorageGeo=tenant.geography, defaultEnvironmentGeo=tenant.geography)
        return self.json(call, body)

    @staticmethod
    def _expand(call: Call) -> set[str]:
        return {part.strip().lower() for part in (call.query("$expand") or "").split(",") if part.strip()}


def _linked_app_id(call: Call, env: PowerPlatformEnvironment) -> str | None:
    linked = call.world.linked_app(env.id, call.now)
    return normalize_guid(linked.id) if linked is not None and linked.id else None


def environment_document(call: Call, env: PowerPlatformEnvironment, expand: set[str]) -> dict[str, Any]:
    """A BAP environment as the admin API returns it, at the sandbox clock's moment."""
    base_url = call.sandbox.base_url
    doc = template("environment-with-dataverse.json" if env.dataverse else "environment-without-dataverse.json")
    doc.update(id=f"{_PROVIDER}/scopes/admin/environments/{env.id}", location=env.location, name=env.id)
    props = doc["properties"]
    props.update(
        tenantId=env.tenant_id,
        azureRegion=env.azure_region,
        displayName=env.display_name,
        environmentSku=env.sku,
        isDefault=env.is_default,
        clientUris={
            "admin": f"https://admin.powerplatform.microsoft.com/environments/environment/{env.id}/hub",
            "maker": f"https://make.powerapps.com/environments/{env.id}/home",
        },
    )
    props["createdBy"]["tenantId"] = env.tenant_id
    if env.description is None:
        props.pop("description", None)
    else:
        props["description"] = env.description
    if "properties.capacity" not in expand:
        props.pop("capacity", None)
    if env.dataverse is None:
        # Inferred: an environment without a database reports databaseType None.
        props["databaseType"] = "None"
        props["linkedEnvironmentMetadata"] = None
    else:
        org = call.scenario.dataverse_orgs[env.dataverse.org]
        metadata = props["linkedEnvironmentMetadata"]
        metadata.update(
            resourceId=org.organization_id,
            friendlyName=env.display_name,
            uniqueName=f"unq{org.organization_id.replace('-', '')}",
            domainName=org.name,
            version=env.dataverse.version,
            instanceUrl=f"{base_url}/dataverse/{org.name}/",
            instanceApiUrl=f"{base_url}/dataverse/{org.name}",
            instanceState=env.dataverse.state,
            template=list(env.dataverse.template),
        )
    props["states"]["management"]["id"] = call.world.management_state(env.id, call.now)
    linked = call.world.linked_app(env.id, call.now)
    if linked is None:
        props.pop("linkedAppMetadata", None)
    else:
        props["linkedAppMetadata"] = {"type": linked.type, "id": linked.id, "url": linked.url}
    return doc
