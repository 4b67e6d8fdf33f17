"""The sandbox's changing state: setup runs, the counts tests rely on, LCS call windows, device codes.

Everything else a route answers is derived from the (immutable) scenario plus these runs at the
sandbox clock's current moment, so a reset is simply a new World.
"""
from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections import Counter, deque
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sandbox.clock import SandboxClock, to_iso
from sandbox.installs import PackageInstalls
from sandbox.packages import InstallRun
from sandbox.provisioning import (
    CONFIGURED,
    IN_PROGRESS,
    NOT_CONFIGURED,
    SetupRun,
    geography_of_region,
    status_at,
    validation_failure_seconds,
)
from sandbox.model import LcsEnvironment, LinkedApp, Scenario, normalize_guid

SYSTEM_ADMINISTRATOR_TEMPLATE_ID = "627090ff-40a3-4053-8790-584edc5be201"
PROJECT_ROLES_WITH_ENVIRONMENT_ACCESS = ("ProjectOwner", "EnvironmentManager")
MINIMUM_FREE_DATABASE_MB = 1024.0
DEVICE_CODE_LIFETIME_SECONDS = 900


class SetupRefused(Exception):
    """LCS refuses to start setup; the message is what LCS puts in ErrorMessage."""


@dataclass(frozen=True)
class SetupAttempt:
    environmentId: str
    at: str
    via: str
    accepted: bool
    reason: str | None
    setupActivityId: str | None


@dataclass
class DeviceCode:
    device_code: str
    user_code: str
    client_id: str
    scope: str
    tenant_id: str
    expires_at: float  # wall time, as the client polls on wall time
    approved_upn: str | None = None


class World:
    def __init__(self, scenario: Scenario, clock: SandboxClock) -> None:
        self.scenario = scenario
        self.clock = clock
        self.lock = threading.RLock()
        self._runs: dict[str, SetupRun] = {}
        self._starts: Counter[str] = Counter()
        self._attempts: list[SetupAttempt] = []
        self._metadata_calls: dict[int, deque[datetime]] = {}
        self._device_codes: dict[str, DeviceCode] = {}
        self.installs = PackageInstalls(scenario)

    # ------------------------------------------------------------ derived views

    def linked_app(self, environment_id: str, now: datetime) -> LinkedApp | None:
        """linkedAppMetadata of a Power Platform environment at `now`."""
        env = self.scenario.power_platform_environments[environment_id]
        link = env.linked_app
        with self.lock:
            runs = list(self._runs.values())
        for run in runs:
            if status_at(run, now).state != CONFIGURED:
                continue
            if run.power_platform_environment_id == environment_id:
                lcs_env = self.scenario.lcs_environment(run.lcs_environment_id)
                link = LinkedApp("Linked", run.lcs_environment_id, lcs_env.url if lcs_env else "")
            elif link is not None and link.id == run.lcs_environment_id:
                link = None  # the placeholder made with the F&O environment is disconnected
        return self.installs.finops_link(env, now) or link

    def start_install(self, environment_id: str, unique_name: str, payload_value: str | None) -> InstallRun:
        """Install Application Package: accepted (counted) or InstallRefused (recorded as refused)."""
        with self.lock:
            now = self.clock.now()
            env = self.scenario.power_platform_environments[environment_id]
            return self.installs.start(env, unique_name, payload_value, now, self.linked_app(environment_id, now))

    def management_state(self, environment_id: str, now: datetime) -> str:
        """BAP states.management.id: Updating while a setup targets it (inferred), else Ready."""
        with self.lock:
            runs = list(self._runs.values())
        updating = any(
            run.power_platform_environment_id == environment_id and status_at(run, now).state == IN_PROGRESS
            for run in runs
        )
        return "Updating" if updating else "Ready"

    def integration(self, lcs_env: LcsEnvironment, now: datetime) -> dict[str, Any]:
        """Data of the LCS integration endpoint (docs/contracts.md) at `now`."""
        with self.lock:
            run = self._runs.get(lcs_env.id)
        initial = lcs_env.initial_power_platform_environment_id
        if run is None:
            linked = next(
                (e.id for e in self.scenario.power_platform_environments.values()
                 if e.dataverse is not None and e.linked_app is not None and e.linked_app.id == lcs_env.id),
                None,
            )
            return {
                "State": CONFIGURED if linked else NOT_CONFIGURED,
                "PowerPlatformEnvironmentId": linked,
                "InitialPowerPlatformEnvironmentId": initial,
                "SetupActivityId": None,
                "Phase": None,
                "StartedOnUtc": None,
                "CompletedOnUtc": None,
                "ErrorMessage": None,
            }
        status = status_at(run, now)
        return {
            "State": status.state,
            "PowerPlatformEnvironmentId": run.power_platform_environment_id,
            "InitialPowerPlatformEnvironmentId": run.initial_power_platform_environment_id,
            "SetupActivityId": run.activity_id,
            "Phase": status.phase,
            "StartedOnUtc": to_iso(run.started_at),
            "CompletedOnUtc": to_iso(status.completed_at) if status.completed_at else None,
            "ErrorMessage": status.error_message,
        }

    def has_project_access(self, project_id: int, upn: str | None, object_id: str | None, tenant_id: str | None) -> bool:
        """Project Owner or Environment Manager of the project, signed in from the project's tenant."""
        project = self.scenario.lcs_projects.get(project_id)
        user = self.scenario.user(upn or "") or self.scenario.user(object_id or "")
        if project is None or user is None or tenant_id != project.tenant_id:
            return False
        if object_id is not None and normalize_guid(object_id) != user.object_id:
            return False
        return project.members.get(user.upn.lower()) in PROJECT_ROLES_WITH_ENVIRONMENT_ACCESS

    def is_system_administrator(self, org_name: str, upn: str) -> bool:
        org = self.scenario.dataverse_orgs.get(org_name)
        user = org.users.get(upn.lower()) if org else None
        if org is None or user is None or user.is_disabled:
            return False
        role_names = set(user.roles)
        role_names.update(r for team in org.teams.values() if upn.lower() in team.members for r in team.roles)
        return any(
            org.roles[name].role_template_id == SYSTEM_ADMINISTRATOR_TEMPLATE_ID or name == "System Administrator"
            for name in role_names
        )

    # ------------------------------------------------------------ setup

    def start_setup(self, lcs_env: LcsEnvironment, target_id: str, *, confirmed_by: str, operator_upn: str, via: str) -> SetupRun:
        """Accept a setup (counted in setup_starts) or raise SetupRefused (recorded as a refused attempt)."""
        with self.lock:
            now = self.clock.now()
            try:
                run = self._new_run(lcs_env, normalize_guid(target_id), confirmed_by, operator_upn, via, now)
            except SetupRefused as refusal:
                self._attempts.append(SetupAttempt(lcs_env.id, to_iso(now), via, False, str(refusal), None))
                raise
            self._runs[lcs_env.id] = run
            self._starts[lcs_env.id] += 1
            self._attempts.append(SetupAttempt(lcs_env.id, to_iso(now), via, True, None, run.activity_id))
            return run

    def _new_run(self, lcs_env: LcsEnvironment, target_id: str, confirmed_by: str, operator_upn: str,
                 via: str, now: datetime) -> SetupRun:
        state = self.integration(lcs_env, now)["State"]
        if state == IN_PROGRESS:
            raise SetupRefused("A Power Platform integration setup is already in progress for this environment.")
        if state == CONFIGURED:
            raise SetupRefused(
                "This environment is already integrated with a Power Platform environment. "
                "The integration can't be changed or undone."
            )
        if target_id not in self.scenario.power_platform_environments:
            raise SetupRefused(f"The Power Platform environment '{target_id}' was not found.")
        if not confirmed_by.strip():
            raise SetupRefused("Type your name to confirm the setup.")
        provisioning = self.scenario.provisioning
        problems = self._prerequisite_failures(lcs_env, target_id, operator_upn, now)
        if problems:
            fail_after, message = validation_failure_seconds(provisioning.duration_seconds), " ".join(problems)
        else:
            fail_after, message = provisioning.fail_after_seconds, provisioning.error_message
        return SetupRun(
            activity_id=str(uuid.uuid4()),
            lcs_environment_id=lcs_env.id,
            power_platform_environment_id=target_id,
            initial_power_platform_environment_id=lcs_env.initial_power_platform_environment_id,
            started_at=now,
            duration_seconds=provisioning.duration_seconds,
            fail_after_seconds=fail_after,
            error_message=message if fail_after is not None else None,
            confirmed_by=confirmed_by,
            started_by=operator_upn,
            via=via,
        )

    def _prerequisite_failures(self, lcs_env: LcsEnvironment, target_id: str, operator_upn: str, now: datetime) -> list[str]:
        """What real setup's Validate phase would stop on: the sandbox fails a run that skipped a check."""
        scenario = self.scenario
        target = scenario.power_platform_environments[target_id]
        project = scenario.lcs_projects[lcs_env.project_id]
        problems = []
        database = scenario.tenant.capacity["database"]
        if database.total_mb - database.actual_mb < MINIMUM_FREE_DATABASE_MB:
            problems.append("The tenant needs at least 1 GB of available Dataverse database capacity.")
        if target.tenant_id != project.tenant_id:
            problems.append("The Power Platform environment belongs to another tenant than the LCS project.")
        if geography_of_region(lcs_env.region) != target.location:
            problems.append(
                f"The Power Platform environment is in geography '{target.location}', which does not contain "
                f"the finance and operations region '{lcs_env.region}'."
            )
        if target.dataverse is None or target.dataverse.state != "Ready":
            problems.append("The Power Platform environment has no Dataverse database in state Ready.")
        elif not target.dataverse.dynamics_apps_enabled:
            problems.append("The Dataverse database was not created with Dynamics 365 apps enabled.")
        elif not self.is_system_administrator(target.dataverse.org, operator_upn):
            problems.append(f"'{operator_upn}' is not a System Administrator in the Dataverse environment.")
        linked = self.linked_app(target_id, now)
        if linked is not None:
            problems.append(f"The Power Platform environment is already linked to finance and operations environment '{linked.id}'.")
        return problems

    def setup_starts(self) -> dict[str, int]:
        with self.lock:
            return dict(self._starts)

    def setup_attempts(self) -> list[dict[str, Any]]:
        with self.lock:
            return [asdict(a) for a in self._attempts]

    def runs_snapshot(self, now: datetime) -> dict[str, Any]:
        with self.lock:
            runs = dict(self._runs)
        return {
            env_id: {**self.integration(self.scenario.lcs_environment(env_id), now), "ConfirmedBy": run.confirmed_by,
                     "StartedBy": run.started_by, "Via": run.via}
            for env_id, run in runs.items()
        }

    # ------------------------------------------------------------ LCS call limit

    def admit_metadata_call(self, project_id: int, limit: int, now: datetime) -> float | None:
        """Count a metadata call in the project's sliding minute; if over `limit`, seconds until one frees up."""
        with self.lock:
            window = self._metadata_calls.setdefault(project_id, deque())
            while window and (now - window[0]).total_seconds() >= 60:
                window.popleft()
            if limit and len(window) >= limit:
                return 60 - (now - window[0]).total_seconds()
            window.append(now)
            return None

    # ------------------------------------------------------------ device codes

    def new_device_code(self, client_id: str, scope: str, tenant_id: str) -> DeviceCode:
        user_code = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(9))
        code = DeviceCode(
            device_code=secrets.token_urlsafe(32), user_code=user_code, client_id=client_id, scope=scope,
            tenant_id=tenant_id, expires_at=time.time() + DEVICE_CODE_LIFETIME_SECONDS,
        )
        sign_in = self.scenario.sign_in
        if sign_in.auto_approve and sign_in.upn:
            code.approved_upn = sign_in.upn
        with self.lock:
            self._device_codes[code.device_code] = code
        return code

    def device_code(self, device_code: str) -> DeviceCode | None:
        with self.lock:
            return self._device_codes.get(device_code)

    def redeem_device_code(self, device_code: str) -> None:
        with self.lock:
            self._device_codes.pop(device_code, None)

    def approve_device_code(self, user_code: str, upn: str) -> DeviceCode | None:
        wanted = user_code.replace("-", "").strip().upper()
        with self.lock:
            code = next((c for c in self._device_codes.values() if c.user_code == wanted), None)
            if code is not None:
                code.approved_upn = upn
            return code

    def pending_device_codes(self) -> list[dict[str, Any]]:
        with self.lock:
            return [
                {"user_code": c.user_code, "client_id": c.client_id, "scope": c.scope, "tenant": c.tenant_id,
                 "approved_upn": c.approved_upn}
                for c in self._device_codes.values()
            ]
