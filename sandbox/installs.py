"""Application package installs in the sandbox: the accepted runs, the counts tests rely on, and the
rules that refuse an install at once (as the API answers) or fail it early in its operation (as the
provisioning system does when a prerequisite it checks does not hold).

State is derived from the runs and the clock (sandbox.packages.status_at), never mutated as time
passes, so the clock may jump an hour ahead at once.
"""
from __future__ import annotations

import threading
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox.clock import to_iso
from sandbox.model import EnvironmentPackage, LinkedApp, PowerPlatformEnvironment, Scenario
from sandbox.packages import (
    INSTALLED,
    INSTALLING,
    PLATFORM_TOOLS,
    PLATFORM_TOOLS_NAME,
    PROVISIONING_APP,
    PROVISIONING_APP_NAME,
    InstallRun,
    parse_payload,
    stable_id,
    status_at,
    version_offered,
)
from sandbox.provisioning import validation_failure_seconds

MAX_HOSTNAME_LENGTH = 19
MINIMUM_FREE_MB = 1024.0


class InstallRefused(Exception):
    """The API refuses the install request; nothing starts."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class InstallAttempt:
    environmentId: str
    uniqueName: str
    at: str
    accepted: bool
    reason: str | None
    operationId: str | None


class PackageInstalls:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()  # one start decided at a time: two requests never both pass
        self._runs: dict[str, InstallRun] = {}  # by operation id
        self._latest: dict[tuple[str, str], str] = {}  # (environment id, uniqueName) -> operation id
        self._starts: Counter[tuple[str, str]] = Counter()
        self._attempts: list[InstallAttempt] = []
        self._seeded = False
        self._seed_lock = threading.Lock()

    def _seed(self, now: datetime) -> None:
        """Installs someone started before the scenario began, placed back from the first moment the
        packages are looked at: a test or devhost sets the clock after loading a scenario."""
        with self._seed_lock:
            if self._seeded:
                return
            for env in self.scenario.power_platform_environments.values():
                for pkg in env.packages.values():
                    if pkg.state == INSTALLING:
                        started = now - timedelta(seconds=pkg.started_seconds_ago or 0)
                        self._record(self._new_run(env, pkg, {}, started, pkg.fail_after_seconds, pkg.error_message, "scenario"))
            self._seeded = True

    # ------------------------------------------------------------ reading

    def latest_run(self, env_id: str, unique_name: str, now: datetime) -> InstallRun | None:
        self._seed(now)
        with self._lock:
            operation = self._latest.get((env_id, unique_name))
            return self._runs.get(operation) if operation else None

    def run(self, env_id: str, operation_id: str, now: datetime) -> InstallRun | None:
        self._seed(now)
        with self._lock:
            run = self._runs.get(operation_id.lower())
        return run if run is not None and run.environment_id == env_id else None

    def state(self, env: PowerPlatformEnvironment, unique_name: str, now: datetime) -> str:
        run = self.latest_run(env.id, unique_name, now)
        return status_at(run, now).package_state if run else env.packages[unique_name].state

    def finops_link(self, env: PowerPlatformEnvironment, now: datetime) -> LinkedApp | None:
        """linkedAppMetadata once the provisioning app is installed: a unified (Internal) link."""
        if PROVISIONING_APP not in env.packages or self.state(env, PROVISIONING_APP, now) != INSTALLED:
            return None
        unified = env.unified
        org = env.dataverse.org if env.dataverse else env.id
        url = (unified.finops_url if unified and unified.finops_url else None) or f"https://{org}.operations.dynamics.com/"
        return LinkedApp("Internal", (unified.finops_environment_id if unified else None) or env.id, url)

    def starts(self) -> dict[str, dict[str, int]]:
        with self._lock:
            counts: dict[str, dict[str, int]] = {}
            for (env_id, name), count in self._starts.items():
                counts.setdefault(env_id, {})[name] = count
            return counts

    def attempts(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(a) for a in self._attempts]

    def snapshot(self, now: datetime) -> list[dict[str, Any]]:
        self._seed(now)
        with self._lock:
            runs = list(self._runs.values())
        return [{"operationId": r.operation_id, "environmentId": r.environment_id, "uniqueName": r.unique_name,
                 "startedAt": to_iso(r.started_at), "status": status_at(r, now).status, "payload": r.payload, "via": r.via}
                for r in runs]

    # ------------------------------------------------------------ installing

    def start(self, env: PowerPlatformEnvironment, unique_name: str, payload_value: str | None, now: datetime,
              linked: LinkedApp | None) -> InstallRun:
        """Accept an install (counted in starts) or raise InstallRefused (recorded as a refused attempt)."""
        self._seed(now)
        with self._start_lock:
            return self._start(env, unique_name, payload_value, now, linked)

    def _start(self, env: PowerPlatformEnvironment, unique_name: str, payload_value: str | None, now: datetime,
               linked: LinkedApp | None) -> InstallRun:
        try:
            pkg, payload = self._admissible(env, unique_name, payload_value, now)
        except InstallRefused as refusal:
            self._attempt(env.id, unique_name, now, False, str(refusal), None)
            raise
        problems = self._failures(env, pkg, linked)
        if problems:
            fail_after, message = validation_failure_seconds(pkg.install_seconds), " ".join(problems)
        else:
            fail_after, message = pkg.fail_after_seconds, pkg.error_message
        run = self._new_run(env, pkg, payload, now, fail_after, message, "api")
        self._record(run)
        with self._lock:
            self._starts[(env.id, unique_name)] += 1
        self._attempt(env.id, unique_name, now, True, None, run.operation_id)
        return run

    def _admissible(self, env: PowerPlatformEnvironment, unique_name: str, payload_value: str | None,
                    now: datetime) -> tuple[EnvironmentPackage, dict[str, str]]:
        pkg = env.packages.get(unique_name)
        if pkg is None:
            raise InstallRefused(404, "ApplicationPackageNotFound",
                                 f"The application package '{unique_name}' is not available for environment '{env.id}'.")
        state = self.state(env, unique_name, now)
        if state == INSTALLING:
            raise InstallRefused(409, "InstallInProgress", f"An installation of '{unique_name}' is already in progress.")
        if state == INSTALLED:
            raise InstallRefused(409, "PackageAlreadyInstalled", f"The application package '{unique_name}' is already installed.")
        try:
            payload = parse_payload(payload_value)
        except ValueError as error:
            raise InstallRefused(400, "InvalidPayload", f"The install payload is not valid: {error}.") from error
        if unique_name == PROVISIONING_APP:
            self._provisioning_prerequisites(env, payload, now)
        return pkg, payload

    def _provisioning_prerequisites(self, env: PowerPlatformEnvironment, payload: dict[str, str], now: datetime) -> None:
        """What the documentation says the install refuses with a message."""
        if env.sku not in ("Sandbox", "Trial"):
            raise InstallRefused(400, "EnvironmentTypeNotSupported",
                                 f"{PROVISIONING_APP_NAME} isn't supported on environments of type {env.sku}.")
        if env.dataverse is None or not env.dataverse.dynamics_apps_enabled:
            raise InstallRefused(400, "SchemaTypeNotSupported", f"{PROVISIONING_APP_NAME} isn't supported on SchemaType: Standard")
        if PLATFORM_TOOLS not in env.packages or self.state(env, PLATFORM_TOOLS, now) != INSTALLED:
            raise InstallRefused(400, "DependencyNotInstalled",
                                 f"Please install the {PLATFORM_TOOLS_NAME} application before installing the {PROVISIONING_APP_NAME}.")
        version = payload.get("ApplicationVersion")
        versions = env.unified.versions if env.unified else ()
        if version and version.lower() != "latest" and not version_offered(version, versions):
            raise InstallRefused(400, "ApplicationVersionNotFound",
                                 f"The application version '{version}' is not available. Available: {', '.join(versions) or 'none'}.")

    def _failures(self, env: PowerPlatformEnvironment, pkg: EnvironmentPackage, linked: LinkedApp | None) -> list[str]:
        """What the provisioning app's install fails on, part way in (documented limitations)."""
        if pkg.unique_name != PROVISIONING_APP:
            return []
        problems = []
        if linked is not None and linked.type == "Linked":
            problems.append("The Dataverse organization is already linked to an environment managed by Lifecycle Services.")
        org = env.dataverse.org if env.dataverse else ""
        if len(org) > MAX_HOSTNAME_LENGTH:
            problems.append(f"The hostname '{org}' of the Dataverse environment URL is longer than {MAX_HOSTNAME_LENGTH} characters.")
        capacity = self.scenario.tenant.capacity
        for kind, label in (("operationsDatabase", "Operations"), ("database", "Dataverse database")):
            amount = capacity.get(kind)
            if amount is None or amount.total_mb - amount.actual_mb < MINIMUM_FREE_MB:
                problems.append(f"At least 1 GB of {label} capacity must be available.")
        return problems

    def _new_run(self, env: PowerPlatformEnvironment, pkg: EnvironmentPackage, payload: dict[str, str],
                 started_at: datetime, fail_after: float | None, message: str | None, via: str) -> InstallRun:
        return InstallRun(
            operation_id=str(uuid.uuid4()), instance_package_id=stable_id(env.id, pkg.unique_name, "instance"),
            environment_id=env.id, unique_name=pkg.unique_name, started_at=started_at,
            duration_seconds=pkg.install_seconds, fail_after_seconds=fail_after,
            error_message=message if fail_after is not None else None, payload=payload, via=via,
        )

    def _record(self, run: InstallRun) -> None:
        with self._lock:
            self._runs[run.operation_id] = run
            self._latest[(run.environment_id, run.unique_name)] = run.operation_id

    def _attempt(self, env_id: str, unique_name: str, now: datetime, accepted: bool, reason: str | None,
                 operation_id: str | None) -> None:
        with self._lock:
            self._attempts.append(InstallAttempt(env_id, unique_name, to_iso(now), accepted, reason, operation_id))
