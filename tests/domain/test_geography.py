"""same-geography for every region of the table, both spellings, against every geography."""

import pytest

from domain import facts as F
from domain.checks import CHECKS, run_check
from domain.geography import GEOGRAPHIES, geography_of_location, geography_of_region
from domain.request import LinkRequest

REQUEST = LinkRequest(1234567, "d15ed3a8-c2c1-4054-840b-946c93915da9", "00000000-0000-0000-0000-000000000001",
                      "admin@contoso.onmicrosoft.com", "operator", "P3D")
GEOGRAPHY_CHECK = next(c for c in CHECKS if c.id == "same-geography")
ALL_REGIONS = [(region, geo) for geo in GEOGRAPHIES for region in geo.regions]


def outcome(region, location, live=()):
    lcs = F.LcsEnvironmentFacts(True, 1234567, REQUEST.lcsEnvironmentId, REQUEST.operator, None, region=region)
    target = F.TargetEnvironmentFacts(REQUEST.powerPlatformEnvironmentId, "Target", None, location, None, True, None,
                                      "Ready", "Ready", "Enabled", geography_azure_regions=live)
    facts = F.Facts([F.FactResult(F.LCS_ENVIRONMENT, value=lcs), F.FactResult(F.TARGET, value=target)])
    return run_check(GEOGRAPHY_CHECK, REQUEST, facts)


@pytest.mark.parametrize("region, geo", ALL_REGIONS, ids=[r for r, _ in ALL_REGIONS])
def test_every_region_maps_to_its_geography_in_both_spellings(region, geo):
    assert geography_of_region(region) == geo
    assert geography_of_region("".join(region.split()).lower()) == geo
    assert geography_of_location(geo.code.upper()) == geo


@pytest.mark.parametrize("region, geo", ALL_REGIONS, ids=[r for r, _ in ALL_REGIONS])
def test_every_region_passes_in_its_geography_and_fails_elsewhere(region, geo):
    assert outcome(region, geo.code).outcome == "passed"
    other = next(g for g in GEOGRAPHIES if g.code != geo.code)
    failed = outcome(region, other.code)
    assert failed.outcome == "failed" and geo.name in failed.remediation


def test_regions_are_unique():
    regions = [r for r, _ in ALL_REGIONS]
    assert len(regions) == len(set(regions))


def test_sweden_central_is_known():
    assert outcome("Sweden Central", "sweden").outcome == "passed"


def test_an_unknown_region_blocks_with_what_to_compare_by_hand():
    result = outcome("Atlantis West", "unitedstates")
    assert result.outcome == "error" and result.blocks_setup
    assert "Compare them by hand" in result.remediation and "'Atlantis West'" in result.remediation


def test_bap_locations_are_a_second_source():
    assert outcome("Atlantis West", "atlantis", live=("atlantiswest",)).outcome == "passed"
    assert outcome("Atlantis West", "atlantis", live=("atlantiseast",)).outcome == "error"
