"""Lifecycle Services: environment metadata and the Power Platform integration endpoint of docs/contracts.md.

LCS answers in an envelope {IsSuccess, ErrorMessage, OperationActivityId, VersionEOL, ...} and
wants `x-ms-version: 2017-09-15` on every call. Only delegated tokens are accepted, and only
Project Owners and Environment Managers of the project may read its environments.
"""
from __future__ import annotations

import math
import uuid
from typing import Any

from werkzeug.wrappers import Response

from sandbox.apis.base import Call, Service, route
from sandbox.faults import format_retry_after
from sandbox.model import LcsEnvironment, LcsProject, normalize_guid
from sandbox.templates import template
from sandbox.world import SetupRefused

AUDIENCE = "https://lcsapi.lcs.dynamics.com"
API_VERSION = "2017-09-15"
METADATA_PAGE_SIZE = 10
_PROJECT = r"(?P<project>[0-9]+)"
_ENVIRONMENT = r"(?P<environment>[0-9A-Fa-f{}-]+)"


class LcsApi(Service):
    name = "lcs"
    prefix = "/lcs"
    routes = (
        route("GET", rf"/environmentinfo/v1/detail/project/{_PROJECT}/?", "metadata"),
        route("GET", rf"/environment/v1/powerplatformintegration/project/{_PROJECT}/environment/{_ENVIRONMENT}/?", "integration"),
        route("POST", rf"/environment/v1/powerplatformintegration/setup/project/{_PROJECT}/environment/{_ENVIRONMENT}/?", "setup"),
    )

    # --- the envelope

    def envelope(self, call: Call, status: int = 200, error: str | None = None, headers: dict[str, str] | None = None,
                 **fields: Any) -> Response:
        body = template("envelope_versioneol_example.json")
        body.update(IsSuccess=error is None, OperationActivityId=str(uuid.uuid4()), ErrorMessage=error)
        body.update(fields)
        return self.json(call, body, status, headers)

    def error(self, call: Call, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
        return self.envelope(call, status, message, headers)

    def throttled(self, call: Call, retry_after: float) -> Response:
        # No LCS 429 body is published: the envelope with IsSuccess false is inferred.
        seconds = max(1, math.ceil(retry_after))
        return self.envelope(call, 429, f"Rate limit is exceeded. Try again in {seconds} seconds.",
                             {"Retry-After": format_retry_after(seconds)})

    # --- authentication: delegated only, any tenant the scenario knows (the project decides)

    def audience(self, call: Call) -> str:
        return AUDIENCE

    def expected_tenant(self, call: Call, claims: dict[str, Any]) -> str:
        return claims.get("tid") if claims.get("tid") in call.scenario.tenant_ids else call.scenario.tenant.id

    def precheck(self, call: Call) -> Response | None:
        if "upn" not in call.claims:
            return self.unauthorized(call, "Lifecycle Services accepts only delegated (user) tokens.")
        if call.request.headers.get("x-ms-version") != API_VERSION:
            return self.envelope(call, 400, f"The x-ms-version header is missing or not supported. Use x-ms-version: {API_VERSION}.")
        return None

    def _access(self, call: Call) -> tuple[LcsProject | None, Response | None]:
        project_id = int(call.params["project"])
        claims = call.claims
        if not call.world.has_project_access(project_id, claims.get("upn"), claims.get("oid"), claims.get("tid")):
            return None, self.envelope(
                call, 403,
                f"Access denied. The user '{claims.get('upn')}' must be a Project Owner or Environment Manager "
                f"of project {project_id}, signed in from the tenant that owns the project.",
            )
        return call.scenario.lcs_projects[project_id], None

    def _environment(self, call: Call, project: LcsProject) -> tuple[LcsEnvironment | None, Response | None]:
        env = project.environments.get(normalize_guid(call.params["environment"]))
        if env is None:
            return None, self.envelope(call, 404, f"Environment '{call.params['environment']}' was not found in project {project.id}.")
        return env, None

    # --- routes

    def metadata(self, call: Call) -> Response:
        project_id = int(call.params["project"])
        limit = call.sandbox.faults.lcs_metadata_calls_per_minute
        wait = call.world.admit_metadata_call(project_id, limit, call.now)
        if wait is not None:
            call.note = "rateLimited"
            return self.throttled(call, wait)
        project, refusal = self._access(call)
        if refusal is not None:
            return refusal
        wanted = call.query("environmentId")
        environments = list(project.environments.values())
        if wanted:
            environments = [e for e in environments if e.id == normalize_guid(wanted)]
        page = max(1, int(call.query("page", "1") or "1"))
        start = (page - 1) * METADATA_PAGE_SIZE
        body = template("environmentinfo_v1_detail_project.json")
        body.update(
            ResultPageCurrent=page,
            ResultHasMorePages=len(environments) > start + METADATA_PAGE_SIZE,
            Data=[self._metadata_entry(e, project) for e in environments[start:start + METADATA_PAGE_SIZE]],
            IsSuccess=True,
            OperationActivityId=str(uuid.uuid4()),
            ErrorMessage=None,
        )
        return self.json(call, body)

    def _metadata_entry(self, env: LcsEnvironment, project: LcsProject) -> dict[str, Any]:
        entry = template("environmentinfo_v1_detail_project.json")["Data"][1]
        entry.update(
            # LCS writes environment ids without dashes here (as in the published example).
            EnvironmentId=env.id.replace("-", ""),
            EnvironmentName=env.name,
            ProjectId=project.id,
            EnvironmentType=env.type,
            EnvironmentEndpointBaseUrl=env.url,
            DeploymentState=env.deployment_state,
            TopologyDisplayName=env.topology,
            CurrentApplicationBuildVersion=env.application_build_version,
            CurrentApplicationReleaseName=env.application_release,
            CurrentPlatformReleaseName=env.platform_release,
            CurrentPlatformVersion=env.platform_version,
            DeployedOnUTC=env.deployed_on_utc,
            CloudStorageLocation=env.region,
            DisasterRecoveryLocation=env.disaster_recovery_region,
            DeploymentStatusDisplay=env.deployment_status,
            CanStart=env.deployment_status == "Stopped",
            CanStop=env.deployment_status == "Deployed",
        )
        return entry

    def _accessible_environment(self, call: Call) -> tuple[LcsEnvironment | None, Response | None]:
        """The environment of the route, when the caller may see its project; else the refusal."""
        project, refusal = self._access(call)
        if refusal is not None:
            return None, refusal
        return self._environment(call, project)

    def integration(self, call: Call) -> Response:
        env, refusal = self._accessible_environment(call)
        if refusal is not None:
            return refusal
        return self.envelope(call, Data=call.world.integration(env, call.now))

    def setup(self, call: Call) -> Response:
        env, refusal = self._accessible_environment(call)
        if refusal is not None:
            return refusal
        try:
            body = call.json_body()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return self.envelope(call, 400, "The request body must be a JSON object.")
        if body.get("UseExistingPowerPlatformEnvironment") is not True:
            return self.envelope(call, 400, "Only UseExistingPowerPlatformEnvironment: true is supported.")
        target, confirmed_by = body.get("PowerPlatformEnvironmentId"), body.get("ConfirmedBy")
        if not isinstance(target, str) or not isinstance(confirmed_by, str):
            return self.envelope(call, 400, "PowerPlatformEnvironmentId and ConfirmedBy are required strings.")
        try:
            run = call.world.start_setup(env, target, confirmed_by=confirmed_by, operator_upn=call.claims["upn"], via="lcs-api")
        except SetupRefused as refusal_reason:
            return self.envelope(call, 200, str(refusal_reason))
        return self.envelope(call, Data=call.world.integration(env, run.started_at))
