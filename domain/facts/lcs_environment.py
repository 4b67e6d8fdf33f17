"""The finance and operations environment as Lifecycle Services shows it to the signed-in operator."""

from __future__ import annotations

from dataclasses import dataclass

from domain.facts.base import FactSpec
from domain.setup_modes import lcs_managed_modes


@dataclass(frozen=True)
class LcsEnvironmentFacts:
    found: bool
    project_id: int
    environment_id: str
    signed_in_upn: str | None
    signed_in_tenant_id: str | None
    access_denied: bool = False
    name: str | None = None
    environment_type: str | None = None
    deployment_state: str | None = None
    deployment_status: str | None = None
    region: str | None = None


FACT = FactSpec(name="lcsEnvironment", value_type=LcsEnvironmentFacts, activity="gather_lcs_environment", order=50,
                modes=tuple(sorted(lcs_managed_modes())))
