"""The setup state machine on the sandbox clock, and what the other services show as it moves."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sandbox.provisioning import SetupRun, phase_at, status_at

START = datetime(2030, 1, 1, 9, 0, tzinfo=timezone.utc)


def _run(fail_after=None) -> SetupRun:
    return SetupRun(activity_id="a", lcs_environment_id="l", power_platform_environment_id="t",
                    initial_power_platform_environment_id="p", started_at=START, duration_seconds=4500,
                    fail_after_seconds=fail_after, error_message="boom" if fail_after is not None else None,
                    confirmed_by="Adele Vance", started_by="admin@contoso.onmicrosoft.com", via="lcs-api")


@pytest.mark.parametrize("minutes,phase", [(0, "Validate"), (3.7, "Validate"), (3.75, "Prepare"), (15, "Run"), (67.4, "Run"), (67.5, "Finalize"), (74.9, "Finalize")])
def test_phases_over_75_minutes(minutes, phase):
    assert phase_at(minutes * 60, 4500) == phase
    assert status_at(_run(), START + timedelta(minutes=minutes)).state == "SetupInProgress"


def test_configured_at_the_end_and_failed_at_the_scripted_moment():
    done = status_at(_run(), START + timedelta(minutes=75))
    assert (done.state, done.completed_at) == ("Configured", START + timedelta(minutes=75))
    failed = status_at(_run(fail_after=2400), START + timedelta(hours=3))
    assert (failed.state, failed.phase, failed.error_message) == ("SetupFailed", "Run", "boom")
    assert failed.completed_at == START + timedelta(minutes=40)


# ---- over HTTP


@pytest.fixture
def world(client, server, ids):
    """Tokens for every service and small helpers reading the state the product would see."""
    server.clock.set(START)
    lcs = client.user_token(ids.scopes["lcs"])
    bap = client.app_token(ids.scopes["bap"])
    dataverse = client.app_token(f"{server.dataverse_org_url(ids.org)}/.default")
    integration_path = f"/environment/v1/powerplatformintegration/project/{ids.project}/environment/{ids.lcs_env}"

    class World:
        def setup(self, confirmed_by="Adele Vance", target=ids.target_env):
            return client.lcs("POST", f"/environment/v1/powerplatformintegration/setup/project/{ids.project}/environment/{ids.lcs_env}", lcs,
                              json={"UseExistingPowerPlatformEnvironment": True, "PowerPlatformEnvironmentId": target, "ConfirmedBy": confirmed_by})

        def integration(self):
            return client.lcs("GET", integration_path, lcs).json()["Data"]

        def environment(self, env_id):
            return client.get(f"/bap/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{env_id}?api-version=2023-06-01", bap).json()["properties"]

        def integration_details(self):
            return client.get(f"/dataverse/{ids.org}/api/data/v9.1/RetrieveFinanceAndOperationsIntegrationDetails", dataverse)

    return World()


def test_setup_runs_through_the_phases_and_links_the_environments(world, server, ids):
    started = world.setup()
    assert started.status_code == 200 and started.json()["IsSuccess"] is True
    activity = started.json()["Data"]["SetupActivityId"]
    assert server.setup_starts() == {ids.lcs_env: 1}

    data = world.integration()
    assert (data["State"], data["Phase"], data["StartedOnUtc"]) == ("SetupInProgress", "Validate", "2030-01-01T09:00:00Z")
    assert data["PowerPlatformEnvironmentId"] == ids.target_env and data["SetupActivityId"] == activity
    assert world.environment(ids.target_env)["states"]["management"]["id"] == "Updating"
    assert world.integration_details().status_code == 400

    server.clock.advance(30 * 60)
    assert world.integration()["Phase"] == "Run"
    assert world.environment(ids.placeholder_env)["linkedAppMetadata"]["id"] == ids.lcs_env

    server.clock.advance(45 * 60)
    data = world.integration()
    assert (data["State"], data["CompletedOnUtc"], data["ErrorMessage"]) == ("Configured", "2030-01-01T10:15:00Z", None)
    target = world.environment(ids.target_env)
    assert target["states"]["management"]["id"] == "Ready"
    assert target["linkedAppMetadata"] == {"type": "Linked", "id": ids.lcs_env, "url": "https://contoso-uat.sandbox.operations.dynamics.com/"}
    assert "linkedAppMetadata" not in world.environment(ids.placeholder_env)
    details = world.integration_details()
    assert details.status_code == 200
    assert (details.json()["Id"], details.json()["TenantId"], details.json()["Url"]) == (
        ids.lcs_env, ids.tenant, "https://contoso-uat.sandbox.operations.dynamics.com/")


def test_a_second_start_is_refused_while_in_progress_and_once_configured(world, server, ids):
    assert world.setup().json()["IsSuccess"] is True
    during = world.setup()
    assert during.status_code == 200 and during.json()["IsSuccess"] is False and "in progress" in during.json()["ErrorMessage"]
    server.clock.advance(75 * 60)
    after = world.setup()
    assert after.json()["IsSuccess"] is False and "can't be changed" in after.json()["ErrorMessage"]
    assert server.setup_starts() == {ids.lcs_env: 1}
    attempts = server.sandbox.world.setup_attempts()
    assert [a["accepted"] for a in attempts] == [True, False, False]


def test_the_operator_portal_setup_counts_and_refuses_the_same_way(world, client, server, ids):
    body = {"projectId": ids.project, "environmentId": ids.lcs_env.replace("-", "").upper(),
            "powerPlatformEnvironmentId": ids.target_env, "confirmedBy": "Adele Vance"}
    first = client.admin("POST", "/lcs/portal-setup", json=body)
    assert first.status_code == 200 and first.json()["integration"]["State"] == "SetupInProgress"
    again = client.admin("POST", "/lcs/portal-setup", json=body)
    assert again.status_code == 409 and again.json()["accepted"] is False
    assert world.setup().json()["IsSuccess"] is False
    assert client.admin("GET", "/setup-starts").json() == {ids.lcs_env: 1}
    assert world.integration()["State"] == "SetupInProgress"
    by_team_member = client.admin("POST", "/lcs/portal-setup", json={**body, "upn": "megan@contoso.onmicrosoft.com"})
    assert by_team_member.status_code == 403


def test_provisioning_that_fails_leaves_everything_as_it_was_and_may_be_retried(start_sandbox, make_client, ids):
    server = start_sandbox("provisioning-fails")
    client = make_client(server)
    server.clock.set(START)
    token = client.user_token(ids.scopes["lcs"])
    path = f"/environment/v1/powerplatformintegration/project/{ids.project}/environment/{ids.lcs_env}"
    setup = {"UseExistingPowerPlatformEnvironment": True, "PowerPlatformEnvironmentId": ids.target_env, "ConfirmedBy": "Adele Vance"}
    assert client.lcs("POST", path.replace("/project/", "/setup/project/"), token, json=setup).json()["IsSuccess"] is True
    server.clock.advance(39 * 60)
    assert client.lcs("GET", path, token).json()["Data"]["State"] == "SetupInProgress"
    server.clock.advance(60)
    data = client.lcs("GET", path, token).json()["Data"]
    assert (data["State"], data["Phase"], data["CompletedOnUtc"]) == ("SetupFailed", "Run", "2030-01-01T09:40:00Z")
    assert "could not be installed" in data["ErrorMessage"]
    bap = client.app_token(ids.scopes["bap"])
    placeholder = client.get(f"/bap/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{ids.placeholder_env}?api-version=2023-06-01", bap).json()
    assert placeholder["properties"]["linkedAppMetadata"]["id"] == ids.lcs_env
    assert client.lcs("POST", path.replace("/project/", "/setup/project/"), token, json=setup).json()["IsSuccess"] is True
    assert server.setup_starts() == {ids.lcs_env: 2}


def test_a_setup_that_skipped_a_failing_prerequisite_fails_in_validate(start_sandbox, make_client, ids):
    server = start_sandbox("geography-mismatch")
    client = make_client(server)
    server.clock.set(START)
    token = client.user_token(ids.scopes["lcs"])
    path = f"/environment/v1/powerplatformintegration/project/{ids.project}/environment/{ids.lcs_env}"
    client.lcs("POST", path.replace("/project/", "/setup/project/"), token,
               json={"UseExistingPowerPlatformEnvironment": True, "PowerPlatformEnvironmentId": ids.target_env, "ConfirmedBy": "Adele Vance"})
    server.clock.advance(4 * 60)
    data = client.lcs("GET", path, token).json()["Data"]
    assert (data["State"], data["Phase"]) == ("SetupFailed", "Validate")
    assert "europe" in data["ErrorMessage"] and "East US" in data["ErrorMessage"]


def test_slow_provisioning_takes_five_hours(start_sandbox, make_client, ids):
    server = start_sandbox("slow-provisioning")
    client = make_client(server)
    server.clock.set(START)
    client.admin("POST", "/lcs/portal-setup", json={"projectId": ids.project, "environmentId": ids.lcs_env,
                                                    "powerPlatformEnvironmentId": ids.target_env, "confirmedBy": "Adele Vance"})
    server.clock.advance(4 * 3600)
    assert client.admin("GET", "/state").json()["integrations"][ids.lcs_env]["State"] == "SetupInProgress"
    server.clock.advance(3600)
    state = client.admin("GET", "/state").json()
    assert state["integrations"][ids.lcs_env]["State"] == "Configured"
    assert state["powerPlatformEnvironments"][ids.target_env]["linkedAppMetadata"]["id"] == ids.lcs_env
