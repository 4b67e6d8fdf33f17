"""The doctor against the sandbox: every permission granted on the happy path, and each grant taken
away by a scenario shows as missing (or, where it can't be asked, not checkable) with its fix."""

from __future__ import annotations

import pytest

from domain.permissions import PERMISSIONS
from sandbox.server import SandboxServer
from services.clients import ServiceClients
from services.doctor import diagnose
from services.identity import lcs_sign_in
from services.settings import ServiceSettings

ADMIN = "admin@contoso.onmicrosoft.com"
TARGET = "fc384085-a8b1-4b50-926a-e95c355a7195"
APP = "70ba156e-3ffc-4eed-b6f2-8c65b8079aa8"
ALL_ROLES = ["User.Read.All", "RoleManagement.Read.Directory", "Organization.Read.All"]


@pytest.fixture(scope="module")
def sandbox():
    server = SandboxServer.start(scenario="happy-path", port=0)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def token_cache(sandbox, tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("lcs") / "token-cache.json")
    lcs_sign_in(ServiceSettings.from_env({**sandbox.settings(), "LCS_TOKEN_CACHE": path}), ADMIN, lambda prompt: None)
    return path


def report(sandbox, token_cache, app_changes=None, environment=TARGET, account=ADMIN):
    sandbox.load_scenario({"extends": "happy-path", "applications": {APP: app_changes or {}}})
    settings = ServiceSettings.from_env({**sandbox.settings(), "LCS_TOKEN_CACHE": token_cache, "HTTP_MAX_RETRIES": "1"})
    result = diagnose(ServiceClients(settings), environment, account)
    return result, {p["key"]: p for p in result["permissions"]}


def test_happy_path_grants_everything(sandbox, token_cache):
    result, by_key = report(sandbox, token_cache)
    assert [p["key"] for p in result["permissions"]] == [p.key for p in PERMISSIONS]
    assert result["status"] == "granted", result
    assert all(p["status"] == "granted" and p["fix"] is None for p in by_key.values())
    assert "signed in to LCS as admin@contoso.onmicrosoft.com" in by_key["lcs-user-impersonation"]["detail"]
    assert "Bearer" not in str(result) and "eyJ" not in str(result)  # no token in the report


@pytest.mark.parametrize("removed, key", [
    ("User.Read.All", "graph-user-read-all"),
    ("RoleManagement.Read.Directory", "graph-rolemanagement-read-directory"),
    ("Organization.Read.All", "graph-organization-read-all"),
])
def test_each_graph_permission_taken_away_is_missing(sandbox, token_cache, removed, key):
    result, by_key = report(sandbox, token_cache, {"roles": [r for r in ALL_ROLES if r != removed]})
    assert result["status"] == "missing"
    assert by_key[key]["status"] == "missing" and "Authorization_RequestDenied" in by_key[key]["detail"]
    assert removed in by_key[key]["fix"]["grant"] and "appRoleAssignments" in by_key[key]["fix"]["commands"][0]
    assert [k for k, p in by_key.items() if p["status"] != "granted"] == [key]


def test_an_unregistered_management_application(sandbox, token_cache):
    result, by_key = report(sandbox, token_cache, {"powerPlatformAdmin": False})
    management = by_key["power-platform-management-application"]
    assert management["status"] == "missing" and "pac admin application register" in management["fix"]["commands"][0]
    assert "Power Platform administrator" in management["fix"]["grant"]
    assert by_key["dataverse-application-user"]["status"] == "not checkable"


def test_no_application_user_in_the_target(sandbox, token_cache):
    _, by_key = report(sandbox, token_cache, {"dataverseApplicationUser": False})
    dataverse = by_key["dataverse-application-user"]
    assert dataverse["status"] == "missing" and "0x80072560" in dataverse["detail"]
    assert "--application-user" in dataverse["fix"]["commands"][0]


def test_without_a_target_or_an_account_those_are_not_checkable(sandbox, token_cache):
    result, by_key = report(sandbox, token_cache, environment=None, account=None)
    assert result["status"] == "not checkable"
    assert by_key["dataverse-application-user"]["status"] == "not checkable"
    assert by_key["lcs-user-impersonation"]["status"] == "not checkable"


def test_an_operator_who_never_signed_in_to_lcs(sandbox, token_cache):
    _, by_key = report(sandbox, token_cache, account="megan@contoso.onmicrosoft.com")
    lcs = by_key["lcs-user-impersonation"]
    assert lcs["status"] == "missing" and "python -m cli login" in lcs["fix"]["commands"][-1]
