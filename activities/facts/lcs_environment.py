"""The LCS environment fact: the finance and operations environment as LCS shows it to the operator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from activities.clients import clients
from activities.facts._gather import fact_activity, gather_fact, request_of

if TYPE_CHECKING:
    from domain.facts.lcs_environment import LcsEnvironmentFacts


@fact_activity
def gather_lcs_environment(payload: dict) -> dict:
    from domain.facts.lcs_environment import FACT

    return gather_fact(FACT, payload, fetch_lcs_environment)


def fetch_lcs_environment(payload: dict[str, Any]) -> "LcsEnvironmentFacts":
    from domain.facts.lcs_environment import LcsEnvironmentFacts
    from services.errors import PermissionDenied

    request = request_of(payload)
    lcs = clients().lcs(request.operator)
    account = lcs.signed_in_account()
    base = dict(project_id=request.lcsProjectId, environment_id=request.lcsEnvironmentId,
                signed_in_upn=account.upn, signed_in_tenant_id=account.tenant_id)
    try:
        env = lcs.get_environment(request.lcsProjectId, request.lcsEnvironmentId)
    except PermissionDenied:
        # LCS lets only Project owners and Environment managers read environment metadata.
        return LcsEnvironmentFacts(found=False, access_denied=True, **base)
    if env is None:
        return LcsEnvironmentFacts(found=False, **base)
    return LcsEnvironmentFacts(
        found=True, name=env.name, environment_type=env.environment_type, deployment_state=env.deployment_state,
        deployment_status=env.deployment_status, region=env.region, **base)
