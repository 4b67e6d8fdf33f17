"""Power Platform admin API (BAP): environments and tenant settings."""

from __future__ import annotations

from typing import Any

from services.errors import ServiceError
from services.http import ServiceHttp
from services.models import LinkedApp, PowerPlatformEnvironment, TenantSettings
from services.odata import literal, segment
from domain.values import guid_or_text

SERVICE = "bap"
API_VERSION = "2023-06-01"
ADMIN_ENVIRONMENTS = "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments"
LIST_TENANT_SETTINGS = "/providers/Microsoft.BusinessAppPlatform/listTenantSettings"
LOCATIONS = "/providers/Microsoft.BusinessAppPlatform/locations"
ENVIRONMENT_EXPAND = "permissions,properties.capacity"


class BapClient:
    def __init__(self, http: ServiceHttp, base_url: str):
        self._http = http
        self._base = base_url.rstrip("/")

    def get_environment(self, env_id: str) -> PowerPlatformEnvironment:
        """NotFound when there is no such environment."""
        body = self._http.get_json("get_environment", f"{self._base}{ADMIN_ENVIRONMENTS}/{segment(env_id)}",
                                   params={"api-version": API_VERSION, "$expand": ENVIRONMENT_EXPAND})
        return parse_environment(_object(body, "get_environment"))

    def list_environments(self, filter_text: str | None = None) -> list[PowerPlatformEnvironment]:
        """Every environment of the tenant, every page of it, or those `filter_text` selects."""
        params = {"api-version": API_VERSION, **({"$filter": filter_text} if filter_text else {})}
        items = self._http.get_items("list_environments", self._base + ADMIN_ENVIRONMENTS, params=params)
        return [parse_environment(item) for item in items]

    def environments_linked_to(self, app_id: str) -> list[PowerPlatformEnvironment]:
        """The environments whose linkedAppMetadata names `app_id` (an LCS environment: the initial
        environment setup will disconnect, or an environment already linked to it).

        BAP filters the admin list server-side (one call however large the tenant); the match is
        made here too, so a BAP that ignored the filter answers right, only slower. A BAP that
        refuses it (400) is asked for the whole list."""
        wanted = guid_or_text(app_id)
        try:
            found = self.list_environments(f"properties/linkedAppMetadata/id eq {literal(wanted or '')}")
        except ServiceError as error:
            if error.status != 400:
                raise
            found = self.list_environments()
        return [env for env in found if env.linked_app and guid_or_text(env.linked_app.id) == wanted]

    def list_location_regions(self) -> dict[str, tuple[str, ...]]:
        """Azure regions (lower case, no spaces, e.g. "swedencentral") per BAP location code."""
        items = self._http.get_items("list_locations", self._base + LOCATIONS, params={"api-version": API_VERSION})
        return {str(item.get("name", "")).lower(): tuple(str(r).lower() for r in
                                                          (item.get("properties") or {}).get("azureRegions") or ())
                for item in items}

    def get_tenant_settings(self) -> TenantSettings:
        # A POST that reads: retried like a GET.
        body = self._http.post_json("get_tenant_settings", self._base + LIST_TENANT_SETTINGS,
                                    params={"api-version": API_VERSION}, idempotent=True)
        return parse_tenant_settings(_object(body, "get_tenant_settings"))


def parse_environment(payload: dict[str, Any]) -> PowerPlatformEnvironment:
    properties = payload.get("properties") or {}
    linked = properties.get("linkedEnvironmentMetadata") or {}
    states = properties.get("states") or {}
    instance_url = linked.get("instanceUrl") or None
    return PowerPlatformEnvironment(
        id=guid_or_text(payload.get("name") or str(payload.get("id", "")).rsplit("/", 1)[-1]) or "",
        display_name=properties.get("displayName"),
        tenant_id=guid_or_text(properties.get("tenantId")),
        geography=payload.get("location"),
        azure_region=properties.get("azureRegion"),
        # databaseType alone misleads: published payloads say CommonDataService with no database.
        has_dataverse=instance_url is not None,
        instance_url=instance_url,
        instance_state=linked.get("instanceState"),
        management_state=(states.get("management") or {}).get("id"),
        runtime_state=(states.get("runtime") or {}).get("id"),
        templates=_templates(linked),
        linked_app=_linked_app(properties.get("linkedAppMetadata")),
        sku=properties.get("environmentSku"),
        domain_name=linked.get("domainName") or None,
    )


def parse_tenant_settings(payload: dict[str, Any]) -> TenantSettings:
    value = payload.get("disableEnvironmentCreationByNonAdminUsers")
    if not isinstance(value, bool):
        raise ServiceError(SERVICE, "get_tenant_settings", 200, "UnexpectedResponse",
                           "disableEnvironmentCreationByNonAdminUsers is missing")
    return TenantSettings(disable_environment_creation_by_non_admin_users=value)


def _templates(linked: dict[str, Any]) -> tuple[str, ...]:
    value = linked.get("template") or linked.get("templates") or ()
    if isinstance(value, str):
        value = [value]
    return tuple(str(t) for t in value if t)


def _linked_app(value: Any) -> LinkedApp | None:
    if not isinstance(value, dict) or not value:
        return None
    return LinkedApp(type=value.get("type"), id=guid_or_text(value.get("id")), url=value.get("url"))


def _object(body: Any, operation: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ServiceError(SERVICE, operation, 200, "UnexpectedResponse", "the answer is not a JSON object")
    return body
