"""The tenant's Power Platform settings the checks read (BAP listTenantSettings)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.facts.base import FactSpec


@dataclass(frozen=True)
class TenantSettingsFacts:
    non_admin_environment_creation_disabled: bool


FACT = FactSpec(name="tenantSettings", value_type=TenantSettingsFacts, activity="gather_tenant_settings", order=30)
