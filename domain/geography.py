"""Which Power Platform geography serves each Azure region that LCS reports for a finance and
operations environment.

LCS reports the region as a display name (`CloudStorageLocation`, e.g. "East US"); BAP reports the
target environment's geography as a location code (`location`, e.g. "unitedstates"). The admin
center labels the geography "Region", which is why users confuse the two: messages name both.
Sources: Power Platform "regions overview" (MicrosoftDocs/power-automate-docs, articles/regions-overview.md:
geographies and their Azure regions), finance and operations "Supported regions" (the Azure regions
LCS deploys to, all of them listed here), and BAP's own `locations` answer (`azureRegions` per
location code, e.g. `sweden: [swedencentral]`), which the check also reads at run time.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Geography:
    code: str  # BAP location code
    name: str  # as the admin center shows it
    regions: tuple[str, ...]  # Azure region display names


GEOGRAPHIES: tuple[Geography, ...] = (
    Geography("unitedstates", "United States", (
        "Central US", "East US", "East US 2", "East US 3", "North Central US", "South Central US",
        "West US", "West US 2", "West US 3", "West Central US")),
    Geography("europe", "Europe", ("North Europe", "West Europe")),
    Geography("unitedkingdom", "United Kingdom", ("UK South", "UK West")),
    Geography("canada", "Canada", ("Canada Central", "Canada East")),
    Geography("asia", "Asia", ("East Asia", "Southeast Asia")),
    Geography("australia", "Australia", ("Australia East", "Australia Southeast", "Australia Central")),
    Geography("india", "India", ("Central India", "South India", "West India")),
    Geography("japan", "Japan", ("Japan East", "Japan West")),
    Geography("france", "France", ("France Central", "France South")),
    Geography("germany", "Germany", ("Germany North", "Germany West Central")),
    Geography("switzerland", "Switzerland", ("Switzerland North", "Switzerland West")),
    Geography("norway", "Norway", ("Norway East", "Norway West")),
    Geography("sweden", "Sweden", ("Sweden Central",)),
    Geography("unitedarabemirates", "United Arab Emirates", ("UAE Central", "UAE North")),
    Geography("southafrica", "South Africa", ("South Africa North", "South Africa West")),
    Geography("southamerica", "South America", ("Brazil South",)),
    Geography("korea", "Korea", ("Korea Central", "Korea South")),
)

# Early-release stations of a geography host real environments of that geography.
_LOCATION_ALIASES = {"unitedstatesfirstrelease": "unitedstates", "europefirstrelease": "europe"}


def region_key(region: str) -> str:
    # LCS writes "East US"; BAP writes "eastus": compare without case or spaces.
    return "".join((region or "").split()).lower()


_BY_REGION = {region_key(r): g for g in GEOGRAPHIES for r in g.regions}
_BY_CODE = {g.code: g for g in GEOGRAPHIES}


def geography_of_region(region: str) -> Geography | None:
    return _BY_REGION.get(region_key(region or ""))


def location_code(location: str) -> str:
    code = (location or "").strip().lower()
    return _LOCATION_ALIASES.get(code, code)


def geography_of_location(location: str) -> Geography | None:
    return _BY_CODE.get(location_code(location))
