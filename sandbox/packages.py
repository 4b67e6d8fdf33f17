"""Dynamics 365 application packages of an environment, as the Power Platform API's appmanagement
routes show them: what a scenario says about them, the install payload, and an install's status as a
pure function of the recorded install and the sandbox clock (like provisioning.py for LCS setup).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox.model import EnvironmentPackage, UnifiedApp

# Documented: Microsoft Learn, "Tutorial: Provision a new environment with an ERP-based template".
PROVISIONING_APP = "msdyn_FinanceAndOperationsProvisioningAppAnchor"
PROVISIONING_APP_NAME = "Dynamics 365 Finance and Operations Provisioning App"
# Inferred: Microsoft publishes no unique name for Platform Tools, only its name (clients match on it).
PLATFORM_TOOLS = "msdyn_FinanceAndOperationsPlatformToolsAnchor"
PLATFORM_TOOLS_NAME = "Dynamics 365 Finance and Operations Platform Tools"
_KNOWN_NAMES = {PROVISIONING_APP: PROVISIONING_APP_NAME, PLATFORM_TOOLS: PLATFORM_TOOLS_NAME}
# "The installation takes about an hour" (the provisioning app tutorial); other packages: inferred.
_DEFAULT_INSTALL_MINUTES = {PROVISIONING_APP: 60.0}
OTHER_INSTALL_MINUTES = 10.0
DEFAULT_VERSION = "1.0.0.0"
DEFAULT_FAILURE = "The installation of the application package failed. Retry the installation or contact Microsoft support."

# InstancePackageState values: None, Installed and InstallFailed are seen in captured answers;
# Installing is the status the admin center shows during an install (the tutorial).
NONE, INSTALLING, INSTALLED, INSTALL_FAILED = "None", "Installing", "Installed", "InstallFailed"
# InstancePackageOperationStatus (Get Application Package Install Status reference).
RUNNING, SUCCEEDED, FAILED = "Running", "Succeeded", "Failed"
_PACKAGE_STATE = {RUNNING: INSTALLING, SUCCEEDED: INSTALLED, FAILED: INSTALL_FAILED}


def stable_id(*parts: str) -> str:
    """An id that stays the same for the same names across restarts (package and application ids)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "sandbox:" + "/".join(parts)))


# ---------------------------------------------------------------- scenario part


def parse_packages(doc: dict[str, Any]) -> dict[str, EnvironmentPackage]:
    """`applicationPackages` of a scenario environment, keyed by uniqueName."""
    return {name: _parse_package(name, pkg) for name, pkg in doc.get("applicationPackages", {}).items()}


def _parse_package(name: str, pkg: dict[str, Any]) -> EnvironmentPackage:
    duration = pkg.get("installMinutes", _DEFAULT_INSTALL_MINUTES.get(name, OTHER_INSTALL_MINUTES)) * 60.0
    fail_after = None
    if pkg.get("outcome") == "Failed":
        fail_after = pkg["failAfterMinutes"] * 60.0 if "failAfterMinutes" in pkg else duration / 2
    ago = pkg.get("startedMinutesAgo")
    return EnvironmentPackage(
        unique_name=name,
        application_name=pkg.get("applicationName", _KNOWN_NAMES.get(name, name)),
        version=pkg.get("version", DEFAULT_VERSION),
        state=pkg.get("state", NONE),
        started_seconds_ago=ago * 60.0 if ago is not None else None,
        install_seconds=duration,
        fail_after_seconds=fail_after,
        error_message=pkg.get("errorMessage", DEFAULT_FAILURE) if fail_after is not None else None,
    )


def parse_unified(doc: dict[str, Any]) -> UnifiedApp | None:
    unified = doc.get("unified")
    if unified is None:
        return None
    finops_id = unified.get("finOpsEnvironmentId")
    return UnifiedApp(tuple(unified.get("versions", [])), unified.get("finOpsUrl"), finops_id.lower() if finops_id else None)


def package_errors(env_path: list[Any], env: dict[str, Any]) -> list[tuple[list[Any], str]]:
    """What the schema cannot say about an environment's packages: (json path parts, message)."""
    errors = []
    for name, pkg in env.get("applicationPackages", {}).items():
        path = env_path + ["applicationPackages", name]
        minutes = pkg.get("installMinutes", _DEFAULT_INSTALL_MINUTES.get(name, OTHER_INSTALL_MINUTES))
        if pkg.get("failAfterMinutes", 0) > minutes:
            errors.append((path + ["failAfterMinutes"], f"{pkg['failAfterMinutes']} is after the end of the install ({minutes} minutes)"))
        if ("startedMinutesAgo" in pkg) != (pkg.get("state") == INSTALLING):
            errors.append((path + ["startedMinutesAgo"], "is given exactly when state is Installing"))
    return errors


# ---------------------------------------------------------------- install payload


def parse_payload(payload_value: str | None) -> dict[str, str]:
    """`Key=value|Key=value` (the provisioning app's parameters format); ValueError when malformed."""
    if not payload_value:
        return {}
    parsed = {}
    for part in payload_value.split("|"):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"'{part}' is not Key=value")
        parsed[key.strip()] = value.strip()
    return parsed


def version_offered(requested: str, versions: tuple[str, ...]) -> bool:
    """A full version (10.0.44.5) or a release (10.0.44, meaning its latest build)."""
    return any(v == requested or v.startswith(requested + ".") for v in versions)


# ---------------------------------------------------------------- an install over time


@dataclass(frozen=True)
class InstallRun:
    """One accepted install of a package into an environment."""

    operation_id: str
    instance_package_id: str
    environment_id: str
    unique_name: str
    started_at: datetime
    duration_seconds: float
    fail_after_seconds: float | None
    error_message: str | None
    payload: dict[str, str]
    via: str  # "api" (Install Application Package) or "scenario" (running when the scenario started)


@dataclass(frozen=True)
class InstallStatus:
    status: str  # Running | Succeeded | Failed
    last_action_at: datetime
    error_message: str | None

    @property
    def package_state(self) -> str:
        return _PACKAGE_STATE[self.status]


def status_at(run: InstallRun, now: datetime) -> InstallStatus:
    elapsed = max(0.0, (now - run.started_at).total_seconds())
    if run.fail_after_seconds is not None and elapsed >= run.fail_after_seconds:
        return InstallStatus(FAILED, run.started_at + timedelta(seconds=run.fail_after_seconds), run.error_message)
    if elapsed >= run.duration_seconds:
        return InstallStatus(SUCCEEDED, run.started_at + timedelta(seconds=run.duration_seconds), None)
    return InstallStatus(RUNNING, run.started_at, None)
