"""The LCS links fact: the environments whose linkedAppMetadata names the LCS environment."""

from __future__ import annotations

from activities.facts.lcs_links import gather_lcs_links
from domain import facts as F
from services import models as M
from tests.activities.facts.support import run
from tests.activities.fakes import LCS_ENV, OTHER, environment


def test_lcs_links_are_the_environments_pointing_at_the_lcs_environment(fake):
    placeholder = environment(id="22222222-2222-2222-2222-222222222222", display_name="Initial", has_dataverse=False,
                              linked_app=M.LinkedApp("Linked", LCS_ENV.replace("-", "").upper(), None))
    unrelated = environment(id=OTHER, linked_app=M.LinkedApp("Linked", OTHER, None))
    fake.bap.others = [placeholder, unrelated]
    value = run(gather_lcs_links).value
    assert value.environments == (F.EnvironmentRef(placeholder.id, "Initial", False),)


def test_an_unnamed_linked_environment_is_known_by_its_id(fake):
    fake.bap.others = [environment(id=OTHER, display_name=None, linked_app=M.LinkedApp("Linked", LCS_ENV, None))]
    assert run(gather_lcs_links).value.environments == (F.EnvironmentRef(OTHER, OTHER, True),)
