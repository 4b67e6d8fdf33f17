"""The target Power Platform environment as the admin API (BAP) describes it.

Its classes are also what the BAP client returns for any environment (services may import the
domain), so an environment and its linked app are modelled once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from domain.facts.base import FactSpec, SkipFact

if TYPE_CHECKING:
    from domain.facts.base import Facts


@dataclass(frozen=True)
class LinkedApp:
    """linkedAppMetadata: the finance and operations environment an environment is linked to. BAP
    may leave any part out; the target fact keeps a linked app only when it has an id."""
    type: str | None
    id: str | None
    url: str | None = None


@dataclass(frozen=True)
class PowerPlatformEnvironment:
    id: str
    # In the target fact never None: the id stands in for a missing name, "" for a missing geography.
    display_name: str | None
    tenant_id: str | None
    geography: str | None
    azure_region: str | None
    has_dataverse: bool
    instance_url: str | None
    instance_state: str | None
    management_state: str | None
    runtime_state: str | None
    templates: tuple[str, ...] = ()
    linked_app: LinkedApp | None = None
    # BAP's `locations` answer for the target's geography (its azureRegions, e.g. "swedencentral"):
    # a second, live source for same-geography. Filled in the target fact only; empty when BAP did
    # not answer.
    geography_azure_regions: tuple[str, ...] = ()
    sku: str | None = None  # environmentSku: Production, Sandbox, Trial, Developer, Default
    domain_name: str | None = None  # the Dataverse host's first label (linkedEnvironmentMetadata.domainName)


# The target fact's value: the environment, as the checks read it.
TargetEnvironmentFacts = PowerPlatformEnvironment

FACT = FactSpec(name="target", value_type=PowerPlatformEnvironment, activity="gather_target_environment", order=20)


def dataverse_instance(gathered: "Facts") -> dict[str, Any]:
    """The input of a fact read from the target's Dataverse: its URL, or why it is not asked for."""
    target: PowerPlatformEnvironment = gathered.value(FACT.name)
    if not target.has_dataverse or not target.instance_url:
        raise SkipFact("the target environment has no Dataverse database")
    return {"instanceUrl": target.instance_url}
