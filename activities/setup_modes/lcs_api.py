"""`lcs-api`: start setup through the LCS integration endpoint, and follow LCS's integration state.

Starting is the one irreversible step and activities run at least once, so `start` reads the
integration state before it acts, and adopts a setup already running for the same target instead of
starting another.
"""

from __future__ import annotations

from activities.clients import clients
from activities.setup_modes.both_sides import verify
from domain.request import LinkRequest
from domain.setup_results import IntegrationReading, ProvisioningReading, ProvisioningState, SetupOutcome, SetupStart
from domain.values import same_guid
from services.errors import LcsRequestRefused

__all__ = ["read", "start", "verify"]

_STATES = {"NotConfigured": ProvisioningState.NOT_STARTED, "SetupInProgress": ProvisioningState.IN_PROGRESS,
           "Configured": ProvisioningState.SUCCEEDED, "SetupFailed": ProvisioningState.FAILED}


def _decide(request: LinkRequest, integration) -> SetupStart | None:
    """What an existing integration state means for this request; None when setup may start."""
    if integration.state == "NotConfigured":
        return None
    if integration.state in ("SetupInProgress", "Configured") and \
            same_guid(integration.power_platform_environment_id, request.powerPlatformEnvironmentId):
        return SetupStart(SetupOutcome.ADOPTED, setupActivityId=integration.setup_activity_id,
                          message=f"Setup for this target was already {integration.state}; following it.")
    return SetupStart(SetupOutcome.CONFLICT, setupActivityId=integration.setup_activity_id,
                      message=f"Lifecycle Services reports Power Platform integration {integration.state}"
                              + (f" with environment {integration.power_platform_environment_id}"
                                 if integration.power_platform_environment_id else "")
                              + (f": {integration.error_message}" if integration.error_message else "")
                              + ". No new setup was started.")


def start(request: LinkRequest, confirmed_by: str) -> SetupStart:
    """Start setup, or adopt the one running for our target, or refuse (throttling is the caller's)."""
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
    return SetupStart(SetupOutcome.STARTED, setupActivityId=activity_id, message="Setup started.")


def read(request: LinkRequest) -> ProvisioningReading:
    integration = clients().lcs(request.operator).get_integration(request.lcsProjectId, request.lcsEnvironmentId)
    state = _STATES.get(integration.state, ProvisioningState.UNKNOWN)
    if state in (ProvisioningState.IN_PROGRESS, ProvisioningState.SUCCEEDED, ProvisioningState.FAILED) and \
            not same_guid(integration.power_platform_environment_id, request.powerPlatformEnvironmentId):
        return ProvisioningReading(ProvisioningState.FAILED, message=f"Lifecycle Services is linking to another "
                                                                     f"environment ({integration.power_platform_environment_id}).")
    return IntegrationReading(state, phase=integration.phase, setupActivityId=integration.setup_activity_id,
                              message=integration.error_message)
