"""The operator fact: Graph's user, directory roles and licenses, only the finance and operations plans."""

from __future__ import annotations

from activities.facts.operator import gather_operator
from domain import facts as F
from services import models as M
from services.errors import PermissionDenied
from tests.activities.facts.support import run
from tests.activities.fakes import FINANCE_PLAN


def test_operator_licenses_carry_plans_and_disabled_plans(fake):
    fake.graph.disabled_plans = (FINANCE_PLAN,)
    fake.graph.roles = M.DirectoryRoles((M.DirectoryRole("62e90394-69f5-4237-9190-012177145e10", "Global Administrator"),), 2)
    value = run(gather_operator).value
    (lic,) = value.licenses
    assert lic.sku_part_number == "DYN365_FINANCE" and lic.disabled_plans == (FINANCE_PLAN,)
    assert lic.capability_status == "Suspended"
    # only the finance and operations plan is kept (Exchange Foundation is dropped)
    assert lic.service_plans == (F.ServicePlanRef(FINANCE_PLAN, "D365_Finance", "Success"),)
    assert value.directory_roles_limited == 2 and len(value.directory_roles) == 1


def test_the_operator_is_who_graph_says(fake):
    value = run(gather_operator).value
    assert (value.object_id, value.display_name, value.user_type, value.tenant_id) == (
        "11111111-1111-1111-1111-111111111111", "Adele Vance", "Member", "t1")


def test_a_refused_graph_call_names_the_missing_permission(fake):
    fake.graph.refuse = PermissionDenied("graph", "get_user", 403, "Authorization_RequestDenied",
                                         "Insufficient privileges to complete the operation.")
    error = run(gather_operator).error
    assert error.status == 403 and "User.Read.All" in error.remedy and "appRoleAssignments" in error.remedy
