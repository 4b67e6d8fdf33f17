"""The region table: every region maps to its geography in both spellings (the same-geography check
that uses it: tests/domain/checks/test_same_geography.py)."""

import pytest

from domain.geography import GEOGRAPHIES, geography_of_location, geography_of_region

ALL_REGIONS = [(region, geo) for geo in GEOGRAPHIES for region in geo.regions]


@pytest.mark.parametrize("region, geo", ALL_REGIONS, ids=[r for r, _ in ALL_REGIONS])
def test_every_region_maps_to_its_geography_in_both_spellings(region, geo):
    assert geography_of_region(region) == geo
    assert geography_of_region("".join(region.split()).lower()) == geo
    assert geography_of_location(geo.code.upper()) == geo


def test_regions_are_unique():
    regions = [r for r, _ in ALL_REGIONS]
    assert len(regions) == len(set(regions))
