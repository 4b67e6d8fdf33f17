"""The target fact: the Power Platform environment to link, as the admin API (BAP) describes it."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from activities.clients import clients
from activities.facts._gather import fact_activity, gather_fact, in_context, request_of

if TYPE_CHECKING:
    from domain.facts.target import PowerPlatformEnvironment


@fact_activity
def gather_target_environment(payload: dict) -> dict:
    from domain.facts.target import FACT

    return gather_fact(FACT, payload, fetch_target)


def fetch_target(payload: dict[str, Any]) -> "PowerPlatformEnvironment":
    from concurrent.futures import ThreadPoolExecutor

    from domain.geography import location_code

    bap = clients().bap
    # The locations do not depend on the environment: both are asked together.
    with ThreadPoolExecutor(max_workers=1) as pool:
        regions = in_context(pool, _location_regions, bap)
        env = bap.get_environment(request_of(payload).powerPlatformEnvironmentId)
    if env.has_dataverse and env.instance_url:
        # The Dataverse facts come next and need this token: ask for it now, not one stage later.
        clients().prefetch_dataverse_token(env.instance_url)
    linked = env.linked_app
    return replace(
        env, display_name=env.display_name or env.id, geography=env.geography or "",
        linked_app=replace(linked, type=linked.type or "") if linked and linked.id else None,
        geography_azure_regions=regions.result().get(location_code(env.geography or ""), ()))


def _location_regions(bap) -> dict[str, tuple[str, ...]]:
    """BAP's own list of each geography's Azure regions; only a second source, so a failure leaves
    the check with the table alone."""
    from services.errors import ServiceError

    try:
        return bap.list_location_regions()
    except ServiceError:
        return {}
