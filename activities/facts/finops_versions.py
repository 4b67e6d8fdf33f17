"""The offered versions fact: the finance and operations versions the target's Dataverse lists for the
provisioning app (msprov_getfnoversiondetails). Its input carries the instance URL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from activities.clients import clients
from activities.facts._gather import fact_activity, gather_fact

if TYPE_CHECKING:
    from domain.facts.finops_versions import FinopsVersionsFacts


@fact_activity
def gather_finops_versions(payload: dict) -> dict:
    from domain.facts.finops_versions import FACT

    return gather_fact(FACT, payload, fetch_finops_versions)


def fetch_finops_versions(payload: dict[str, Any]) -> "FinopsVersionsFacts":
    from domain.facts.finops_versions import FinopsVersionsFacts

    return FinopsVersionsFacts(versions=clients().dataverse(payload["instanceUrl"]).get_finops_versions())
