"""The LCS integration fact: LCS's own Power Platform integration state (the lcs-api contract)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from activities.clients import clients
from activities.facts._gather import fact_activity, gather_fact, request_of

if TYPE_CHECKING:
    from domain.facts.lcs_integration import LcsIntegrationFacts


@fact_activity
def gather_lcs_integration(payload: dict) -> dict:
    from domain.facts.lcs_integration import FACT

    return gather_fact(FACT, payload, fetch_lcs_integration)


def fetch_lcs_integration(payload: dict[str, Any]) -> "LcsIntegrationFacts":
    from domain.facts.lcs_integration import LcsIntegrationFacts

    request = request_of(payload)
    state = clients().lcs(request.operator).get_integration(request.lcsProjectId, request.lcsEnvironmentId)
    return LcsIntegrationFacts(state.state, state.power_platform_environment_id,
                               state.initial_power_platform_environment_id)
