"""The LCS links fact: the Power Platform environments whose linkedAppMetadata names the LCS environment."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from activities.clients import clients
from activities.facts._gather import fact_activity, gather_fact, request_of

if TYPE_CHECKING:
    from domain.facts.lcs_links import LcsLinksFacts


@fact_activity
def gather_lcs_links(payload: dict) -> dict:
    from domain.facts.lcs_links import FACT

    return gather_fact(FACT, payload, fetch_lcs_links)


def fetch_lcs_links(payload: dict[str, Any]) -> "LcsLinksFacts":
    from domain.facts.lcs_links import EnvironmentRef, LcsLinksFacts

    linked = clients().bap.environments_linked_to(request_of(payload).lcsEnvironmentId)
    return LcsLinksFacts(tuple(EnvironmentRef(e.id, e.display_name or e.id, e.has_dataverse) for e in linked))
