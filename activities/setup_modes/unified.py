"""`unified`: install Platform Tools when it is missing, then the Finance and Operations Provisioning
App, through the Power Platform API; follow the install; verify finance and operations is there.

Starting an install is irreversible and activities run at least once, so `start` reads the
environment's packages before it acts: an install already running or done is adopted, never
repeated, and a refused or lost POST is never retried blindly (the next attempt reads again).
"""

from __future__ import annotations

from activities.clients import clients
from activities.setup_modes.packages import find_packages
from domain.request import LinkRequest
from domain.setup_results import ProvisioningReading, ProvisioningState, SetupOutcome, SetupStart, Verification
from services.application_packages import (
    INSTALL_FAILED, INSTALLED, INSTALLING, NOT_INSTALLED, PLATFORM_TOOLS_NAME, PROVISIONING_APP, PROVISIONING_APP_NAME,
    ApplicationPackage, install_payload,
)
from services.errors import ServiceError, ServiceUnavailable, Throttled

__all__ = ["read", "start", "verify"]

APP_PHASE, TOOLS_PHASE = "Installing the provisioning app", "Installing Platform Tools"
_FAILED_OPERATION = frozenset({"Failed", "Canceled"})
_REFUSALS = frozenset({400, 403, 404, 409})


def _packages(request: LinkRequest) -> tuple[ApplicationPackage | None, ApplicationPackage | None]:
    return find_packages(clients().application_packages.list_environment_packages(request.powerPlatformEnvironmentId))


def _next_install(app: ApplicationPackage | None, tools: ApplicationPackage | None) -> ApplicationPackage | SetupStart:
    """The package to install now, or what the packages' states mean instead (adopt, or refuse)."""
    if app is None or tools is None:
        missing = PROVISIONING_APP_NAME if app is None else PLATFORM_TOOLS_NAME
        return SetupStart(SetupOutcome.CONFLICT, message=f"The environment is not offered the {missing}. "
                                                         "No install was started.")
    if app.state in (INSTALLED, INSTALLING):
        return SetupStart(SetupOutcome.ADOPTED, message=f"The {PROVISIONING_APP_NAME} is already {app.state}; "
                                                        "following it.")
    if tools.state == INSTALLING:
        return SetupStart(SetupOutcome.ADOPTED, message=f"{PLATFORM_TOOLS_NAME} is already installing; following it.")
    return app if tools.state == INSTALLED else tools


def start(request: LinkRequest, confirmed_by: str) -> SetupStart:
    """Install the next package, or adopt the install running or done, or refuse with the API's words."""
    decided = _next_install(*_packages(request))
    if isinstance(decided, SetupStart):
        return decided
    options = request.provisioning_app
    payload = install_payload(developer_tools=options.developerTools, demo_data=options.demoData,
                              version=options.version) if decided.unique_name.lower() == PROVISIONING_APP.lower() else None
    try:
        started = clients().application_packages.install(request.powerPlatformEnvironmentId, decided.unique_name,
                                                         payload)
    except (Throttled, ServiceUnavailable):
        raise  # start_setup answers "retry"; the next attempt reads the packages first
    except ServiceError as exc:
        if exc.status not in _REFUSALS:
            raise
        # Refused: maybe because an install started in the meantime (another attempt, or the admin center).
        again = _next_install(*_packages(request))
        if isinstance(again, SetupStart) and again.outcome is SetupOutcome.ADOPTED:
            return again
        return SetupStart(SetupOutcome.CONFLICT, message=f"The Power Platform API refused to install "
                                                         f"{decided.application_name or decided.unique_name}: "
                                                         f"{exc.message}. No install was started.")
    return SetupStart(SetupOutcome.STARTED, setupActivityId=started.operation_id,
                      message=f"The install of {decided.application_name or decided.unique_name} started.")


def read(request: LinkRequest, setup_activity_id: str | None = None) -> ProvisioningReading:
    """The install's operation when its id is known (an adopted install has none), then the packages."""
    if setup_activity_id:
        operation = clients().application_packages.get_install_status(request.powerPlatformEnvironmentId,
                                                                      setup_activity_id)
        if operation.status in _FAILED_OPERATION:
            detail = (operation.error and operation.error.message) or operation.status_message
            return ProvisioningReading(ProvisioningState.FAILED, phase=operation.status,
                                       setupActivityId=setup_activity_id,
                                       message=f"The install ended {operation.status}" + (f": {detail}" if detail else "."))
        if not operation.finished:
            return ProvisioningReading(ProvisioningState.IN_PROGRESS, phase=operation.status or "Running",
                                       setupActivityId=setup_activity_id)
    return _read_packages(*_packages(request))


def _read_packages(app: ApplicationPackage | None, tools: ApplicationPackage | None) -> ProvisioningReading:
    app_state, tools_state = app and app.state, tools and tools.state
    failed = app if app_state == INSTALL_FAILED else tools if tools_state == INSTALL_FAILED and \
        app_state in (None, NOT_INSTALLED) else None
    if failed:
        detail = failed.last_error and failed.last_error.message
        return ProvisioningReading(ProvisioningState.FAILED, phase=INSTALL_FAILED,
                                   message=f"The install of {failed.application_name or failed.unique_name} failed"
                                           + (f": {detail}" if detail else "."))
    if app_state == INSTALLED:
        return ProvisioningReading(ProvisioningState.SUCCEEDED, phase=INSTALLED)
    if app_state == INSTALLING:
        return ProvisioningReading(ProvisioningState.IN_PROGRESS, phase=APP_PHASE)
    if tools_state == INSTALLING:
        return ProvisioningReading(ProvisioningState.IN_PROGRESS, phase=TOOLS_PHASE)
    if tools_state == INSTALLED:
        return ProvisioningReading(ProvisioningState.NEXT_STEP, phase="Platform Tools installed",
                                   message=f"{PLATFORM_TOOLS_NAME} is installed; the provisioning app is next.")
    return ProvisioningReading(ProvisioningState.NOT_STARTED)


def verify(request: LinkRequest) -> Verification:
    """The package is Installed and Dataverse answers the integration details; the environment's
    finance and operations URL (linkedAppMetadata) is evidence when shown (Microsoft documents it
    may be missing until the environment is edited)."""
    try:
        env = clients().bap.get_environment(request.powerPlatformEnvironmentId)
        app, _tools = _packages(request)
        integration = clients().dataverse(env.instance_url).get_finops_integration() if env.instance_url else None
    except ServiceError as exc:
        return Verification(verified=False, message=str(exc), evidence=None)
    linked = env.linked_app
    evidence = {"environmentId": env.id, "displayName": env.display_name, "packageState": app and app.state,
                "linkedAppType": linked and linked.type, "linkedAppId": linked and linked.id,
                "linkedAppUrl": linked and linked.url,
                "dataverseIntegrationId": integration.environment_id if integration else None,
                "financeAndOperationsUrl": (integration and integration.url) or (linked and linked.url)}
    problems = []
    if (app and app.state) != INSTALLED:
        problems.append(f"the {PROVISIONING_APP_NAME} is {evidence['packageState'] or 'not offered'}, not Installed")
    if integration is None:
        problems.append("Dataverse reports no finance and operations integration")
    if linked and (linked.type or "").lower() == "linked":
        problems.append(f"the environment is linked to an LCS-managed environment ({linked.id})")
    if not problems and not (linked and linked.url):
        evidence["note"] = ("The environment does not show its finance and operations URL yet; Microsoft documents "
                            "that it can be missing until the environment is edited. Dataverse answers.")
    return Verification(verified=not problems, evidence=evidence,
                        message="; ".join(problems) if problems else "Verified.")
