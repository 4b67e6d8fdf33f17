"""`operator`: a person starts setup in LCS; the run watches the target environment through public APIs."""

from __future__ import annotations

from activities.clients import clients
from activities.setup_modes.both_sides import verify
from domain.request import LinkRequest
from domain.setup_results import ProvisioningReading, ProvisioningState
from domain.values import same_guid

__all__ = ["read", "verify"]


def read(request: LinkRequest) -> ProvisioningReading:
    """The target environment shows the link once it exists.

    While Power Platform integration provisions, the target's management state leaves Ready
    (inferred from how the admin center shows environments being updated).
    """
    env = clients().bap.get_environment(request.powerPlatformEnvironmentId)
    if env.linked_app and env.linked_app.id:
        if same_guid(env.linked_app.id, request.lcsEnvironmentId):
            return ProvisioningReading(ProvisioningState.SUCCEEDED, phase="Linked")
        return ProvisioningReading(ProvisioningState.FAILED, message="The target environment was linked to another "
                                                                     f"finance and operations environment ({env.linked_app.id}).")
    if (env.management_state or "").lower() not in ("ready", ""):
        return ProvisioningReading(ProvisioningState.IN_PROGRESS, phase=env.management_state)
    return ProvisioningReading(ProvisioningState.NOT_STARTED)
