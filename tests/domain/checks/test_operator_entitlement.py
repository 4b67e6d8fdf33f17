"""operator-entitlement: a finance and operations license, or the Power Platform or Dynamics 365
Administrator role (with the 12-hour cache noted)."""

from domain import directory, facts as F
from domain.checks.operator_entitlement import CHECK
from tests.domain.checks.happy import UNIFIED, check, with_

NO_LICENSE = with_(F.OPERATOR, licenses=())


def test_a_finance_license_passes():
    result = check(CHECK, request=UNIFIED)
    assert result.outcome == "passed" and "DYN365_FINANCE" in result.detail


def test_an_admin_role_without_a_license_passes_and_notes_the_cache():
    changes = with_(F.OPERATOR, licenses=(), directory_roles=(
        F.RoleRef(directory.POWER_PLATFORM_ADMINISTRATOR.upper(), "Power Platform Administrator"),))
    result = check(CHECK, changes, request=UNIFIED)
    assert result.outcome == "passed" and "Power Platform Administrator" in result.detail
    assert "12-hour cache" in result.detail and result.evidence["operatorAdminRoles"] == ["Power Platform Administrator"]


def test_global_administrator_alone_is_not_enough():
    changes = with_(F.OPERATOR, licenses=(), directory_roles=(F.RoleRef(directory.GLOBAL_ADMINISTRATOR, "Global Administrator"),))
    result = check(CHECK, changes, request=UNIFIED)
    assert result.outcome == "failed" and "neither a finance and operations license" in result.detail
    assert "12-hour cache" in result.remediation


def test_roles_hidden_by_graph_are_an_error_not_a_failure():
    result = check(CHECK, with_(F.OPERATOR, licenses=(), directory_roles_limited=2), request=UNIFIED)
    assert result.outcome == "error" and "limited information" in result.detail
    assert result.evidence["missingPermission"]


def test_it_applies_to_the_unified_mode_only():
    from domain.checks.operator_license import CHECK as LICENSE

    assert CHECK.modes == {"unified"} and "unified" not in LICENSE.modes
    assert check(CHECK, NO_LICENSE, request=UNIFIED).outcome == "failed"
