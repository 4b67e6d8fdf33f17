"""dataverse-system-administrator: the role, directly or through a team, by its template id."""

import pytest

from domain import facts as F
from domain.checks.dataverse_system_administrator import CHECK
from domain.directory import DATAVERSE_SYSTEM_ADMINISTRATOR_TEMPLATE
from tests.domain.checks.happy import expect, with_


@pytest.mark.parametrize("changes, outcome, words", [
    ({}, "passed", "holds System Administrator."),
    (with_(F.DATAVERSE_ROLES, roles=(F.SecurityRoleRef("Basic User", "x"),)), "failed", "does not hold"),
    (with_(F.DATAVERSE_ROLES, system_user_found=False), "failed", "not a user"),
    (with_(F.DATAVERSE_ROLES, system_user_disabled=True), "failed", "is disabled"),
    (with_(F.DATAVERSE_ROLES, roles=(F.SecurityRoleRef("System Administrator", DATAVERSE_SYSTEM_ADMINISTRATOR_TEMPLATE,
                                                       "Ops admins"),)), "passed", "through team Ops admins"),
    # A role renamed in this organization is still System Administrator by its template.
    (with_(F.DATAVERSE_ROLES, roles=(F.SecurityRoleRef("Sysadmin", DATAVERSE_SYSTEM_ADMINISTRATOR_TEMPLATE.upper()),)),
     "passed", "holds System Administrator"),
])
def test_outcome(changes, outcome, words):
    expect(CHECK, changes, outcome, words)
