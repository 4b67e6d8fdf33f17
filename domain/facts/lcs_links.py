"""The Power Platform environments already linked to the LCS environment (BAP linkedAppMetadata)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.facts.base import FactSpec
from domain.setup_modes import lcs_managed_modes


@dataclass(frozen=True)
class EnvironmentRef:
    id: str
    display_name: str
    has_dataverse: bool = False


@dataclass(frozen=True)
class LcsLinksFacts:
    """Power Platform environments whose linkedAppMetadata points at the LCS environment."""
    environments: tuple[EnvironmentRef, ...] = ()


FACT = FactSpec(name="lcsLinks", value_type=LcsLinksFacts, activity="gather_lcs_links", order=60,
                modes=tuple(sorted(lcs_managed_modes())))
