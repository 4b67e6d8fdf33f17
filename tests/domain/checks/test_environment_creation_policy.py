"""environment-creation-policy: the tenant setting, the operator's admin roles, roles Graph hid."""

import pytest

from domain import facts as F
from domain.checks.environment_creation_policy import CHECK
from domain.directory import POWER_PLATFORM_ADMINISTRATOR
from tests.domain.checks.happy import check, expect, with_

ADMINS_ONLY = with_(F.TENANT_SETTINGS, non_admin_environment_creation_disabled=True)


@pytest.mark.parametrize("changes, outcome, words", [
    ({}, "passed", "Everyone in the tenant"),
    (ADMINS_ONLY, "failed", "holds none"),
    ({**ADMINS_ONLY, **with_(F.OPERATOR, directory_roles=(F.RoleRef(POWER_PLATFORM_ADMINISTRATOR.upper(),
                                                                   "Power Platform Administrator"),))},
     "passed", "Power Platform Administrator"),
    ({**ADMINS_ONLY, **with_(F.OPERATOR, directory_roles_limited=1)}, "error", "limited information"),
])
def test_outcome(changes, outcome, words):
    expect(CHECK, changes, outcome, words)


def test_hidden_roles_name_the_missing_permission():
    result = check(CHECK, {**ADMINS_ONLY, **with_(F.OPERATOR, directory_roles_limited=2)})
    assert result.evidence["missingPermission"] == "RoleManagement.Read.Directory"
    assert "RoleManagement.Read.Directory" in result.remediation
