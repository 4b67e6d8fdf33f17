"""`python -m cli doctor` and GET /api/health/permissions against the app on devhost: every grant on
the happy path, and each grant a scenario takes away reported missing with its fix."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from devhost.testing import REPO_ROOT
from tests.e2e.support import OPERATOR, TARGET

pytestmark = pytest.mark.e2e

APP = "70ba156e-3ffc-4eed-b6f2-8c65b8079aa8"
ROLES = ["User.Read.All", "RoleManagement.Read.Directory", "Organization.Read.All"]


def doctor(driver, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINK_")}
    done = subprocess.run([sys.executable, "-m", "cli", "--url", driver.host.url, "--json", "doctor", *args],
                          text=True, capture_output=True, cwd=REPO_ROOT, env=env, timeout=120)
    return done.returncode, json.loads(done.stdout)


def by_key(document):
    return {p["key"]: p for p in document["report"]["permissions"]}


def test_the_happy_path_grants_everything(driver):
    code, document = doctor(driver, "-t", TARGET, "--lcs-account", OPERATOR)
    assert code == 0 and document["report"]["status"] == "granted", document
    assert {p["status"] for p in by_key(document).values()} == {"granted"}
    assert "eyJ" not in json.dumps(document)  # no token anywhere in the report


@pytest.mark.parametrize("app, key", [
    ({"roles": ROLES[1:]}, "graph-user-read-all"),
    ({"roles": [ROLES[0], ROLES[2]]}, "graph-rolemanagement-read-directory"),
    ({"roles": ROLES[:2]}, "graph-organization-read-all"),
    ({"powerPlatformAdmin": False}, "power-platform-management-application"),
    ({"dataverseApplicationUser": False}, "dataverse-application-user"),
])
def test_each_grant_taken_away_is_missing_with_its_fix(driver, app, key):
    driver.reset({"extends": "happy-path", "applications": {APP: app}})
    code, document = doctor(driver, "-t", TARGET, "--lcs-account", OPERATOR)
    assert code == 8 and document["report"]["status"] == "missing"
    found = by_key(document)[key]
    assert found["status"] == "missing" and found["fix"]["commands"], found
    assert found["neededBy"] and found["fix"]["grant"]


def test_an_operator_who_never_signed_in_to_lcs(driver):
    code, document = doctor(driver, "-t", TARGET, "--lcs-account", "megan@contoso.onmicrosoft.com")
    lcs = by_key(document)["lcs-user-impersonation"]
    assert code == 8 and lcs["status"] == "missing" and "cli login" in lcs["fix"]["commands"][-1]


def test_without_a_target_the_application_user_is_not_checkable(driver):
    code, document = doctor(driver)
    assert code == 0 and document["report"]["status"] == "not checkable"
    assert by_key(document)["dataverse-application-user"]["status"] == "not checkable"


def test_the_route_refuses_bad_query_values(driver):
    answer = driver.host.get("/api/health/permissions?powerPlatformEnvironmentId=nope")
    assert answer.status == 400 and answer.json()["errors"][0]["field"] == "powerPlatformEnvironmentId"
