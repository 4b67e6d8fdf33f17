"""same-geography for every region of the table against every geography, BAP's live list as a second
source, and regions or geographies no source knows (the table itself: tests/domain/test_geography.py)."""

import pytest

from domain import facts as F
from domain.checks.same_geography import CHECK
from domain.geography import GEOGRAPHIES
from tests.domain.checks.happy import check, expect, with_

ALL_REGIONS = [(region, geo) for geo in GEOGRAPHIES for region in geo.regions]


def judged(region, location, live=()):
    return check(CHECK, {**with_(F.LCS_ENVIRONMENT, region=region),
                         **with_(F.TARGET, geography=location, geography_azure_regions=live)})


@pytest.mark.parametrize("changes, outcome, words", [
    (with_(F.TARGET, geography="europe"), "failed", "Europe geography"),
    (with_(F.LCS_ENVIRONMENT, region="Atlantis West"), "error", "in neither the known table"),
    ({**with_(F.LCS_ENVIRONMENT, region="Atlantis West"), **with_(F.TARGET, geography_azure_regions=("atlantiswest",))},
     "passed", "BAP lists it"),
    (with_(F.TARGET, geography="atlantis"), "error", "geography 'atlantis'"),
    (with_(F.LCS_ENVIRONMENT, found=False), "failed", "region is unknown"),
])
def test_outcome(changes, outcome, words):
    expect(CHECK, changes, outcome, words)


@pytest.mark.parametrize("region, geo", ALL_REGIONS, ids=[r for r, _ in ALL_REGIONS])
def test_every_region_passes_in_its_geography_and_fails_elsewhere(region, geo):
    assert judged(region, geo.code).outcome == "passed"
    other = next(g for g in GEOGRAPHIES if g.code != geo.code)
    failed = judged(region, other.code)
    assert failed.outcome == "failed" and geo.name in failed.remediation


def test_sweden_central_is_known():
    assert judged("Sweden Central", "sweden").outcome == "passed"


def test_an_unknown_region_blocks_with_what_to_compare_by_hand():
    result = judged("Atlantis West", "unitedstates")
    assert result.outcome == "error" and result.blocks_setup
    assert "Compare them by hand" in result.remediation and "'Atlantis West'" in result.remediation


def test_bap_locations_are_a_second_source():
    assert judged("Atlantis West", "atlantis", live=("atlantiswest",)).outcome == "passed"
    assert judged("Atlantis West", "atlantis", live=("atlantiseast",)).outcome == "error"
