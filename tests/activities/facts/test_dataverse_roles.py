"""The Dataverse roles fact: the operator's system user, found by Entra object id, and its roles."""

from __future__ import annotations

from activities.facts.dataverse_roles import gather_dataverse_roles
from domain import facts as F
from services import models as M
from tests.activities.facts.support import DATAVERSE_URL, run

OBJECT_ID = "11111111-1111-1111-1111-111111111111"


def test_roles_direct_and_by_team(fake):
    fake.dataverse_client.users[OBJECT_ID] = (M.SystemUser("u1", "Adele Vance", False), [
        M.SecurityRole("System Administrator", "r1", "627090ff-40a3-4053-8790-584edc5be201"),
        M.SecurityRole(None, "r2", None, via_team="Ops")])
    value = run(gather_dataverse_roles, instanceUrl=DATAVERSE_URL, operatorObjectId=OBJECT_ID).value
    assert value == F.DataverseRolesFacts(system_user_found=True, roles=(
        F.SecurityRoleRef("System Administrator", "627090ff-40a3-4053-8790-584edc5be201"),
        F.SecurityRoleRef("", None, "Ops")))


def test_a_disabled_system_user_says_so(fake):
    fake.dataverse_client.users[OBJECT_ID] = (M.SystemUser("u1", "Adele Vance", True), [])
    value = run(gather_dataverse_roles, instanceUrl=DATAVERSE_URL, operatorObjectId=OBJECT_ID).value
    assert value.system_user_found and value.system_user_disabled and value.roles == ()


def test_no_system_user(fake):
    value = run(gather_dataverse_roles, instanceUrl=DATAVERSE_URL, operatorObjectId=OBJECT_ID).value
    assert value == F.DataverseRolesFacts(system_user_found=False)
