"""The activities that act on, and watch, the link itself.

`start_setup` is the one irreversible step. Activities run at least once, so it reads Lifecycle
Services' integration state before it acts, and adopts a setup that is already running for the same
target instead of starting another.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from activities import names
from activities.clients import clients, traced
from domain.request import LinkRequest
from domain.values import same_guid
from services.errors import LcsRequestRefused, ServiceError, ServiceUnavailable, Throttled

bp = df.Blueprint()

NOT_STARTED, IN_PROGRESS, SUCCEEDED, FAILED, UNKNOWN = "NotStarted", "InProgress", "Succeeded", "Failed", "Unknown"
_LCS_STATES = {"NotConfigured": NOT_STARTED, "SetupInProgress": IN_PROGRESS, "Configured": SUCCEEDED,
               "SetupFailed": FAILED}


def _decide(request: LinkRequest, integration) -> dict[str, Any] | None:
    """What an existing integration state means for this request; None when setup may start."""
    if integration.state == "NotConfigured":
        return None
    if integration.state in ("SetupInProgress", "Configured") and \
            same_guid(integration.power_platform_environment_id, request.powerPlatformEnvironmentId):
        return {"outcome": "adopted", "setupActivityId": integration.setup_activity_id,
                "message": f"Setup for this target was already {integration.state}; following it."}
    return {"outcome": "conflict", "setupActivityId": integration.setup_activity_id,
            "message": f"Lifecycle Services reports Power Platform integration {integration.state}"
                       + (f" with environment {integration.power_platform_environment_id}"
                          if integration.power_platform_environment_id else "")
                       + (f": {integration.error_message}" if integration.error_message else "")
                       + ". No new setup was started."}


@bp.function_name(names.START_SETUP)
@bp.activity_trigger(input_name="payload")
def start_setup(payload: dict) -> dict:
    """Start setup, or adopt the one running for our target, or refuse; "retry" when LCS was throttled or
    unavailable. Retrying is safe because every attempt reads the integration state first."""
    with traced(names.START_SETUP, payload) as span:
        try:
            result = _start_setup(LinkRequest.from_dict(payload["request"]), payload["confirmedBy"])
        except (Throttled, ServiceUnavailable) as exc:
            result = {"outcome": "retry", "retryAfterSeconds": exc.retry_after if isinstance(exc, Throttled) else None,
                      "message": str(exc)}
        span.status(result["outcome"])
        return result


def _start_setup(request: LinkRequest, confirmed_by: str) -> dict:
    lcs = clients().lcs(request.operator)
    project, environment = request.lcsProjectId, request.lcsEnvironmentId
    decided = _decide(request, lcs.get_integration(project, environment))
    if decided:
        return decided
    try:
        activity_id = lcs.start_setup(project, environment, request.powerPlatformEnvironmentId, confirmed_by)
    except LcsRequestRefused:
        # Refused because a setup started in the meantime (another attempt of this activity, or the
        # portal): the state now says whether it is ours to follow.
        decided = _decide(request, lcs.get_integration(project, environment))
        if decided:
            return decided
        raise
    return {"outcome": "started", "setupActivityId": activity_id, "message": "Setup started."}


@bp.function_name(names.READ_PROVISIONING)
@bp.activity_trigger(input_name="payload")
def read_provisioning(payload: dict) -> dict:
    """One look at provisioning. A failed look is reported as Unknown: the monitor looks again later."""
    request = LinkRequest.from_dict(payload["request"])
    with traced(names.READ_PROVISIONING, payload) as span:
        try:
            reading = _read_from_lcs(request) if request.setupMode == "lcs-api" else _read_from_power_platform(request)
        except ServiceError as exc:
            reading = {"state": UNKNOWN, "message": str(exc), "retryAfterSeconds": getattr(exc, "retry_after", None)}
        span.status(reading["state"])
        return reading


def _read_from_lcs(request: LinkRequest) -> dict[str, Any]:
    integration = clients().lcs(request.operator).get_integration(request.lcsProjectId, request.lcsEnvironmentId)
    state = _LCS_STATES.get(integration.state, UNKNOWN)
    if state in (IN_PROGRESS, SUCCEEDED, FAILED) and not same_guid(
            integration.power_platform_environment_id, request.powerPlatformEnvironmentId):
        return {"state": FAILED, "message": f"Lifecycle Services is linking to another environment "
                                            f"({integration.power_platform_environment_id})."}
    return {"state": state, "phase": integration.phase, "setupActivityId": integration.setup_activity_id,
            "message": integration.error_message}


def _read_from_power_platform(request: LinkRequest) -> dict[str, Any]:
    """Operator mode has only public APIs: the target environment shows the link once it exists.

    While Power Platform integration provisions, the target's management state leaves Ready
    (inferred from how the admin center shows environments being updated).
    """
    env = clients().bap.get_environment(request.powerPlatformEnvironmentId)
    if env.linked_app and env.linked_app.id:
        if same_guid(env.linked_app.id, request.lcsEnvironmentId):
            return {"state": SUCCEEDED, "phase": "Linked"}
        return {"state": FAILED, "message": f"The target environment was linked to another finance and operations "
                                            f"environment ({env.linked_app.id})."}
    if (env.management_state or "").lower() not in ("ready", ""):
        return {"state": IN_PROGRESS, "phase": env.management_state}
    return {"state": NOT_STARTED}


@bp.function_name(names.VERIFY_LINK)
@bp.activity_trigger(input_name="payload")
def verify_link(payload: dict) -> dict:
    """Both sides must name the finance and operations environment: BAP's linkedAppMetadata and Dataverse."""
    with traced(names.VERIFY_LINK, payload) as span:
        verdict = _verify(LinkRequest.from_dict(payload["request"]))
        span.status("verified" if verdict["verified"] else "not verified")
        return verdict


def _verify(request: LinkRequest) -> dict:
    try:
        env = clients().bap.get_environment(request.powerPlatformEnvironmentId)
        integration = clients().dataverse(env.instance_url).get_finops_integration() if env.instance_url else None
    except ServiceError as exc:
        return {"verified": False, "message": str(exc), "evidence": None}
    evidence = {"environmentId": env.id, "displayName": env.display_name,
                "linkedAppId": env.linked_app.id if env.linked_app else None,
                "linkedAppUrl": env.linked_app.url if env.linked_app else None,
                "dataverseIntegrationId": integration.environment_id if integration else None,
                "financeAndOperationsUrl": integration.url if integration else None}
    problems = []
    if not same_guid(evidence["linkedAppId"], request.lcsEnvironmentId):
        problems.append(f"the environment's linkedAppMetadata names {evidence['linkedAppId']}")
    if not same_guid(evidence["dataverseIntegrationId"], request.lcsEnvironmentId):
        problems.append(f"Dataverse reports integration with {evidence['dataverseIntegrationId']}")
    return {"verified": not problems, "evidence": evidence,
            "message": "; ".join(problems) + f", not {request.lcsEnvironmentId}" if problems else "Verified."}
