"""LCS's own Power Platform integration state, readable only through the lcs-api contract."""

from __future__ import annotations

from dataclasses import dataclass

from domain.facts.base import FactSpec


@dataclass(frozen=True)
class LcsIntegrationFacts:
    state: str
    power_platform_environment_id: str | None = None
    initial_power_platform_environment_id: str | None = None


FACT = FactSpec(name="lcsIntegration", value_type=LcsIntegrationFacts, activity="gather_lcs_integration", order=70,
                modes=("lcs-api",))
