"""The Dataverse roles fact: the operator's system user in the target's Dataverse and its security
roles, direct and by team. Its input carries the instance URL and the operator's object id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from activities.clients import clients
from activities.facts._gather import fact_activity, gather_fact

if TYPE_CHECKING:
    from domain.facts.dataverse_roles import DataverseRolesFacts


@fact_activity
def gather_dataverse_roles(payload: dict) -> dict:
    from domain.facts.dataverse_roles import FACT

    return gather_fact(FACT, payload, fetch_dataverse_roles)


def fetch_dataverse_roles(payload: dict[str, Any]) -> "DataverseRolesFacts":
    from domain.facts.dataverse_roles import DataverseRolesFacts, SecurityRoleRef

    found = clients().dataverse(payload["instanceUrl"]).find_system_user_with_roles(payload["operatorObjectId"])
    if found is None:
        return DataverseRolesFacts(system_user_found=False)
    user, roles = found
    return DataverseRolesFacts(
        system_user_found=True, system_user_disabled=user.is_disabled,
        roles=tuple(SecurityRoleRef(r.name or "", r.template_id, r.via_team) for r in roles))
