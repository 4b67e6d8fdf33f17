"""The finance and operations versions the provisioning app may install into the target (setupMode
unified), as the target's Dataverse lists them once Platform Tools is installed."""

from __future__ import annotations

from dataclasses import dataclass

from domain.facts.base import FactSpec
from domain.facts.target import FACT as TARGET, dataverse_instance


@dataclass(frozen=True)
class FinopsVersionsFacts:
    # None: the Dataverse does not list them yet (Platform Tools, which brings the list, is not installed).
    versions: tuple[str, ...] | None


FACT = FactSpec(name="finopsVersions", value_type=FinopsVersionsFacts, activity="gather_finops_versions", order=95,
                after=(TARGET.name,), build_input=dataverse_instance, modes=("unified",))
