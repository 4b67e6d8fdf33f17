"""The offered versions fact: the list the target's Dataverse gives, or None before Platform Tools."""

from __future__ import annotations

from activities.facts.finops_versions import gather_finops_versions
from tests.activities.facts.support import DATAVERSE_URL, run


def test_the_versions_offered(fake):
    assert run(gather_finops_versions, instanceUrl=DATAVERSE_URL).value.versions == ("10.0.44.5", "10.0.45.3")


def test_no_list_yet_is_none_not_an_error(fake):
    fake.dataverse_client.versions = None
    result = run(gather_finops_versions, instanceUrl=DATAVERSE_URL)
    assert result.error is None and result.value.versions is None
