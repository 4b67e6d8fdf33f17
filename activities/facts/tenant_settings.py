"""The tenant settings fact: whether non-admins may create environments (BAP listTenantSettings)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from activities.clients import clients
from activities.facts._gather import fact_activity, gather_fact

if TYPE_CHECKING:
    from domain.facts.tenant_settings import TenantSettingsFacts


@fact_activity
def gather_tenant_settings(payload: dict) -> dict:
    from domain.facts.tenant_settings import FACT

    return gather_fact(FACT, payload, fetch_tenant_settings)


def fetch_tenant_settings(payload: dict[str, Any]) -> "TenantSettingsFacts":
    from domain.facts.tenant_settings import TenantSettingsFacts

    return TenantSettingsFacts(clients().bap.get_tenant_settings().disable_environment_creation_by_non_admin_users)
