"""Power Platform API application packages (appmanagement): the packages offered to an environment,
installing one, and an install's status by operation id: what setupMode `unified` needs to install
the Finance and Operations Provisioning App (docs/unified-mode.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from domain.values import guid_or_text, iso_utc, normalize_guid
from services.errors import ServiceError
from services.http import ServiceHttp, read_json
from services.odata import segment

SERVICE = "powerplatform"
API_VERSION = "2022-03-01-preview"
PACKAGES = "/appmanagement/environments/{environment}/applicationPackages"
INSTALL = PACKAGES + "/{package}/install"
OPERATION = "/appmanagement/environments/{environment}/operations/{operation}"

# Documented (Microsoft Learn, the ERP-template tutorial's PostProvisioningPackages).
PROVISIONING_APP = "msdyn_FinanceAndOperationsProvisioningAppAnchor"
PROVISIONING_APP_NAME = "Dynamics 365 Finance and Operations Provisioning App"
# Microsoft documents Platform Tools by name only: find it by name (get_environment_package(name=...)).
PLATFORM_TOOLS_NAME = "Dynamics 365 Finance and Operations Platform Tools"

INSTALL_STATES = ("All", "Installed", "NotInstalled")  # appInstallState of the list
NOT_INSTALLED, INSTALLING, INSTALLED, INSTALL_FAILED = "None", "Installing", "Installed", "InstallFailed"
FINISHED_STATUSES = frozenset({"Succeeded", "Failed", "Canceled"})


@dataclass(frozen=True)
class PackageError:
    """ErrorDetails of a package or an install operation."""
    code: int | str | None
    name: str | None
    message: str | None
    source: str | None = None
    status_code: int | None = None


@dataclass(frozen=True)
class ApplicationPackage:
    id: str | None
    unique_name: str
    application_name: str | None
    localized_name: str | None
    version: str | None
    state: str | None  # None | Installing | Installed | InstallFailed
    instance_package_id: str | None
    application_id: str | None
    publisher_name: str | None
    last_error: PackageError | None = None


@dataclass(frozen=True)
class InstallStarted:
    operation_id: str
    instance_package_id: str | None
    state: str | None


@dataclass(frozen=True)
class InstallOperation:
    operation_id: str
    status: str | None  # NotStarted | Running | Succeeded | Failed | Canceled
    status_message: str | None
    created_at: str | None
    last_action_at: str | None
    error: PackageError | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES


def install_payload(*, developer_tools: bool, demo_data: bool, version: str | None) -> str:
    """The provisioning app's options as `Key=value|...` (inferred for payloadValue: the documented
    format of the same options in an environment template's PostProvisioningPackages)."""
    parts = [f"DevToolsEnabled={str(developer_tools).lower()}", f"DemoDataEnabled={str(demo_data).lower()}"]
    if version and version.lower() != "latest":
        parts.append(f"ApplicationVersion={version}")
    return "|".join(parts)


class ApplicationPackagesClient:
    def __init__(self, http: ServiceHttp, base_url: str):
        self._http = http
        self._base = base_url.rstrip("/")

    def list_environment_packages(self, environment_id: str, install_state: str = "All") -> list[ApplicationPackage]:
        """Every package offered to the environment (every page), filtered by install state."""
        if install_state not in INSTALL_STATES:
            raise ValueError(f"install_state must be one of {', '.join(INSTALL_STATES)}")
        url = self._base + PACKAGES.format(environment=segment(environment_id))
        items = self._http.get_items("list_environment_application_packages", url,
                                     params={"api-version": API_VERSION, "appInstallState": install_state})
        return [parse_package(item) for item in items]

    def get_environment_package(self, environment_id: str, unique_name: str | None = None, *,
                                name: str | None = None) -> ApplicationPackage | None:
        """The package with this unique name, or with this (localized) application name; None when the
        environment is not offered it. The API has no route for one package, so the list is read.
        Several licences can offer the same app: an entry already past `None` wins."""
        if (unique_name is None) == (name is None):
            raise ValueError("give unique_name or name")
        return pick_package(self.list_environment_packages(environment_id), unique_name, name=name)

    def install(self, environment_id: str, unique_name: str, payload_value: str | None = None) -> InstallStarted:
        """Start an install; never retried (read the package state before trying again). The
        operation id comes from the body (lastOperation.operationId) or Operation-Location; the
        status URL is built from it, so no token follows a URL an answer named."""
        url = self._base + INSTALL.format(environment=segment(environment_id), package=segment(unique_name))
        body = {"payloadValue": payload_value} if payload_value is not None else {}
        response = self._http.request("install_application_package", "POST", url,
                                      params={"api-version": API_VERSION}, json=body, idempotent=False)
        return parse_install_started(read_json(SERVICE, "install_application_package", response),
                                     response.headers.get("Operation-Location"))

    def get_install_status(self, environment_id: str, operation_id: str) -> InstallOperation:
        url = self._base + OPERATION.format(environment=segment(environment_id), operation=segment(operation_id))
        body = self._http.get_json("get_application_package_install_status", url, params={"api-version": API_VERSION})
        if not isinstance(body, dict) or not body.get("operationId"):
            raise ServiceError(SERVICE, "get_application_package_install_status", 200, "UnexpectedResponse",
                               "the answer has no operationId")
        return parse_operation(body)


def pick_package(packages: list[ApplicationPackage], unique_name: str | None = None, *,
                 name: str | None = None) -> ApplicationPackage | None:
    """The package of this unique name or (localized) application name among those listed; of several
    entries (several licences offer one app), the one already past `None`."""
    found = [p for p in packages
             if (unique_name and p.unique_name.lower() == unique_name.lower())
             or (name and name.lower() in {(p.application_name or "").lower(), (p.localized_name or "").lower()})]
    return next((p for p in found if p.state not in (None, NOT_INSTALLED)), found[0] if found else None)


def parse_package(item: dict[str, Any]) -> ApplicationPackage:
    return ApplicationPackage(
        id=guid_or_text(item.get("id")),
        unique_name=str(item.get("uniqueName") or ""),
        application_name=item.get("applicationName"),
        localized_name=item.get("localizedName"),
        version=item.get("version"),
        state=item.get("state"),
        instance_package_id=guid_or_text(item.get("instancePackageId")),
        application_id=guid_or_text(item.get("applicationId")),
        publisher_name=item.get("publisherName"),
        # The reference names it lastError; captured answers carry errorDetails.
        last_error=parse_error(item.get("lastError") or item.get("errorDetails")),
    )


def parse_install_started(body: Any, operation_location: str | None) -> InstallStarted:
    body = body if isinstance(body, dict) else {}
    operation = (body.get("lastOperation") or {}).get("operationId") or _operation_in(operation_location)
    if not operation:
        raise ServiceError(SERVICE, "install_application_package", None, "UnexpectedResponse",
                           "the install was accepted without an operation id (no lastOperation, no Operation-Location)",
                           remedy="Read the environment's application packages to follow the install's state.")
    return InstallStarted(operation_id=normalize_guid(operation),
                          instance_package_id=guid_or_text(body.get("instancePackageId") or body.get("id")),
                          state=body.get("state"))


def parse_operation(body: dict[str, Any]) -> InstallOperation:
    return InstallOperation(
        operation_id=guid_or_text(body.get("operationId")) or "",
        status=body.get("status"),
        status_message=body.get("statusMessage") or None,
        created_at=iso_utc(body.get("createdDateTime")),
        last_action_at=iso_utc(body.get("lastActionDateTime")),
        error=parse_error(body.get("error")),
    )


def parse_error(value: Any) -> PackageError | None:
    if not isinstance(value, dict) or not value:
        return None
    return PackageError(code=value.get("errorCode") or value.get("code"), name=value.get("errorName"),
                        message=value.get("message"), source=value.get("source"), status_code=value.get("statusCode"))


def _operation_in(operation_location: str | None) -> str | None:
    """The id after /operations/ in an Operation-Location URL."""
    if not operation_location:
        return None
    parts = urlsplit(operation_location).path.rstrip("/").split("/")
    return parts[-1] if len(parts) >= 2 and parts[-2].lower() == "operations" else None
