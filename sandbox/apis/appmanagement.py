"""Power Platform API appmanagement: an environment's application packages, installing one, and the
install's status by operation id. Answers are built on the captured payloads
(environment-application-packages.json, application-package-install-operation.json).
"""
from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from sandbox.apis.base import Call, Service, route
from sandbox.clock import to_iso
from sandbox.installs import InstallRefused
from sandbox.model import EnvironmentPackage, PowerPlatformEnvironment, normalize_guid
from sandbox.packages import INSTALL_FAILED, NONE, InstallRun, stable_id, status_at
from sandbox.templates import template

_ENV = r"/appmanagement/environments/(?P<environment>[^/]+)"
ROUTES = (
    route("GET", _ENV + r"/applicationPackages/?", "list_packages"),
    route("POST", _ENV + r"/applicationPackages/(?P<package>[^/]+)/install/?", "install_package"),
    route("GET", _ENV + r"/operations/(?P<operation>[^/]+)/?", "install_status"),
)
ACTIONS = {  # inferred action names for the 403 of a caller that is not an admin
    "list_packages": "Microsoft.PowerPlatform/appmanagement/applicationPackages/read",
    "install_package": "Microsoft.PowerPlatform/appmanagement/applicationPackages/install/action",
    "install_status": "Microsoft.PowerPlatform/appmanagement/operations/read",
}
# appInstallState filter of Get Environment Application Package (documented values All, Installed, NotInstalled).
_INSTALL_STATE_FILTERS = {"all": lambda state: True, "installed": lambda state: state != NONE,
                          "notinstalled": lambda state: state == NONE}


class AppManagementRoutes(Service):
    """The appmanagement handlers of the Power Platform API service (mixed into PowerPlatformApi)."""

    def list_packages(self, call: Call) -> Response:
        env = self._environment(call)
        if isinstance(env, Response):
            return env
        wanted = _INSTALL_STATE_FILTERS.get((call.query("appInstallState") or "All").lower())
        if wanted is None:
            return self.error(call, 400, "InvalidAppInstallState",
                              f"appInstallState '{call.query('appInstallState')}' is not one of All, Installed, NotInstalled.")
        skeleton = template("environment-application-packages.json")["value"][0]
        items = [self._package_document(call, skeleton, env, pkg) for pkg in env.packages.values()]
        return self.json(call, {"value": [item for item in items if wanted(item["state"])]})

    def install_package(self, call: Call) -> Response:
        env = self._environment(call)
        if isinstance(env, Response):
            return env
        try:
            run = call.world.start_install(env.id, call.params["package"], _payload_value(call))
        except InstallRefused as refusal:
            return self.error(call, refusal.status, refusal.code, str(refusal))
        pkg = env.packages[run.unique_name]
        skeleton = template("environment-application-packages.json")["value"][0]
        body = self._package_document(call, skeleton, env, pkg)
        body.update(id=run.instance_package_id, packageId=body["id"], instancePackageId=run.instance_package_id,
                    lastOperation={"operationId": run.operation_id, "createdDateTime": to_iso(run.started_at)})
        location = (f"{call.sandbox.base_url}/powerplatform/appmanagement/environments/{env.id}/operations/"
                    f"{run.operation_id}?api-version=1")
        return self.json(call, body, 202, {"Operation-Location": location})

    def install_status(self, call: Call) -> Response:
        env = self._environment(call)
        if isinstance(env, Response):
            return env
        run = call.world.installs.run(env.id, normalize_guid(call.params["operation"]), call.now)
        if run is None:
            return self.error(call, 404, "OperationNotFound",
                              f"The operation '{call.params['operation']}' was not found in environment '{env.id}'.")
        return self.json(call, operation_document(run, call))

    # --- helpers

    def _environment(self, call: Call) -> PowerPlatformEnvironment | Response:
        env = call.scenario.power_platform_environments.get(normalize_guid(call.params["environment"]))
        if env is None:
            return self.error(call, 404, "EnvironmentNotFound", f"The environment '{call.params['environment']}' could not be found.")
        if env.dataverse is None:
            return self.error(call, 400, "DataverseNotFound", f"The environment '{env.id}' has no Dataverse database.")
        return env

    def _package_document(self, call: Call, skeleton: dict[str, Any], env: PowerPlatformEnvironment,
                          pkg: EnvironmentPackage) -> dict[str, Any]:
        state = call.world.installs.state(env, pkg.unique_name, call.now)
        run = call.world.installs.latest_run(env.id, pkg.unique_name, call.now)
        doc = dict(skeleton)
        doc.update(
            id=stable_id(pkg.unique_name, pkg.version), uniqueName=pkg.unique_name, version=pkg.version,
            localizedName=pkg.application_name, applicationName=pkg.application_name,
            applicationId=stable_id(pkg.unique_name), localizedDescription=None, applicationDescription=None,
            instancePackageId=stable_id(env.id, pkg.unique_name, "instance") if state != NONE else None,
            state=state, errorDetails=_error_details(run, call) if state == INSTALL_FAILED and run else None,
        )
        return doc


def _payload_value(call: Call) -> str | None:
    """payloadValue of the install body (no body or no field: no payload)."""
    try:
        body = call.json_body()
    except ValueError:
        raise InstallRefused(400, "InvalidRequestBody", "The request body is not JSON.") from None
    body = {} if body is None else body
    if not isinstance(body, dict) or not isinstance(body.get("payloadValue"), (str, type(None))):
        raise InstallRefused(400, "InvalidRequestBody", "The body must be a JSON object whose payloadValue is a string.")
    return body.get("payloadValue")


def _error_details(run: InstallRun, call: Call) -> dict[str, Any]:
    """ErrorDetails as the reference defines it; the values are the sandbox's (inferred)."""
    return {"errorCode": -2147220970, "errorName": "PackageInstallFailed",
            "message": status_at(run, call.now).error_message, "source": "Dataverse", "statusCode": 500,
            "type": "PackageInstallException"}


def operation_document(run: InstallRun, call: Call) -> dict[str, Any]:
    status = status_at(run, call.now)
    body = template("application-package-install-operation.json")
    body.update(operationId=run.operation_id, createdDateTime=to_iso(run.started_at),
                lastActionDateTime=to_iso(status.last_action_at), status=status.status,
                statusMessage=status.error_message or "")
    if status.error_message:
        body["error"] = _error_details(run, call)
    return body
