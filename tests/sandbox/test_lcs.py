"""Lifecycle Services: envelope, x-ms-version, project access, id matching, the metadata limit, the integration contract."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest


@pytest.fixture
def operator_token(client, ids):
    return client.user_token(ids.scopes["lcs"])


def _metadata(client, ids, token, environment_id=None, **kwargs):
    query = f"?environmentId={environment_id}" if environment_id else ""
    return client.lcs("GET", f"/environmentinfo/v1/detail/project/{ids.project}/{query}", token, **kwargs)


def test_metadata_has_the_published_envelope_and_environment_fields(client, ids, operator_token, captured, shape_gaps):
    response = _metadata(client, ids, operator_token, ids.lcs_env)
    assert response.status_code == 200
    body = response.json()
    assert shape_gaps(body, captured("environmentinfo_v1_detail_project.json")) == []
    assert body["IsSuccess"] is True and body["ErrorMessage"] is None
    assert body["VersionEOL"] == "9999-12-31T23:59:59.9999999"
    [environment] = body["Data"]
    assert environment["EnvironmentId"] == ids.lcs_env.replace("-", "")  # LCS's undashed form
    assert environment["ProjectId"] == ids.project
    assert environment["CloudStorageLocation"] == "East US" and environment["EnvironmentType"] == "Sandbox"
    assert environment["DeploymentStatusDisplay"] == "Deployed"


@pytest.mark.parametrize("form", ["upper-dashed", "undashed", "braced"])
def test_environment_ids_match_with_or_without_dashes_in_any_case(client, ids, operator_token, form):
    written = {"upper-dashed": ids.lcs_env.upper(), "undashed": ids.lcs_env.replace("-", ""), "braced": "{" + ids.lcs_env + "}"}[form]
    assert len(_metadata(client, ids, operator_token, written).json()["Data"]) == 1
    integration = client.lcs("GET", f"/environment/v1/powerplatformintegration/project/{ids.project}/environment/{written}", operator_token)
    assert integration.status_code == 200


def test_metadata_of_the_whole_project_and_of_an_unknown_environment(client, ids, operator_token):
    everything = _metadata(client, ids, operator_token).json()
    assert {e["EnvironmentName"] for e in everything["Data"]} == {"CONTOSO-UAT", "CONTOSO-PROD"}
    assert everything["ResultHasMorePages"] is False
    assert _metadata(client, ids, operator_token, "00000000000000000000000000000001").json()["Data"] == []


def test_x_ms_version_is_required(client, ids, operator_token):
    response = client.request("GET", f"/lcs/environmentinfo/v1/detail/project/{ids.project}/?environmentId={ids.lcs_env}", operator_token)
    assert response.status_code == 400
    assert response.json()["IsSuccess"] is False and "x-ms-version" in response.json()["ErrorMessage"]


def test_only_project_owners_and_environment_managers_may_read(client, ids):
    team_member = client.user_token(ids.scopes["lcs"], upn="megan@contoso.onmicrosoft.com")
    response = _metadata(client, ids, team_member, ids.lcs_env)
    assert response.status_code == 403
    assert response.json()["IsSuccess"] is False and "Project Owner or Environment Manager" in response.json()["ErrorMessage"]
    setup = client.lcs("POST", f"/environment/v1/powerplatformintegration/setup/project/{ids.project}/environment/{ids.lcs_env}", team_member,
                       json={"UseExistingPowerPlatformEnvironment": True, "PowerPlatformEnvironmentId": ids.target_env, "ConfirmedBy": "Megan Bowen"})
    assert setup.status_code == 403
    assert client.server.setup_starts() == {}


def test_environment_managers_may_read(start_sandbox, make_client, ids):
    server = start_sandbox({"extends": "happy-path", "lcs": {"projects": {"1234567": {"members": {"megan@contoso.onmicrosoft.com": "EnvironmentManager"}}}}})
    client = make_client(server)
    token = client.user_token(ids.scopes["lcs"], upn="megan@contoso.onmicrosoft.com")
    assert _metadata(client, ids, token, ids.lcs_env).status_code == 200


def test_the_seventh_metadata_call_in_a_minute_is_429_until_the_window_slides(client, server, ids, operator_token):
    server.clock.set(datetime(2030, 1, 1, 12, 0, 0, tzinfo=timezone.utc))
    for _ in range(6):
        assert _metadata(client, ids, operator_token, ids.lcs_env).status_code == 200
        server.clock.advance(5)
    limited = _metadata(client, ids, operator_token, ids.lcs_env)
    assert limited.status_code == 429
    assert limited.json()["IsSuccess"] is False
    assert limited.headers["Retry-After"] == "30"  # the first call (12:00:00) leaves the window at 12:01:00; it is 12:00:30
    # The integration endpoint is not part of the metadata limit.
    assert client.lcs("GET", f"/environment/v1/powerplatformintegration/project/{ids.project}/environment/{ids.lcs_env}", operator_token).status_code == 200
    server.clock.advance(30)
    assert _metadata(client, ids, operator_token, ids.lcs_env).status_code == 200
    assert [c["fault"] for c in server.calls() if c["status"] == 429] == ["rateLimited"]


def test_the_metadata_limit_can_be_switched_off(client, server, ids, operator_token):
    server.set_faults({"lcs": {"metadataCallsPerMinute": 0}})
    server.clock.advance(0)  # manual clock: time stands still
    assert all(_metadata(client, ids, operator_token, ids.lcs_env).status_code == 200 for _ in range(10))


def test_integration_state_before_setup(client, ids, operator_token):
    body = client.lcs("GET", f"/environment/v1/powerplatformintegration/project/{ids.project}/environment/{ids.lcs_env}", operator_token).json()
    assert body["IsSuccess"] is True
    assert body["Data"] == {
        "State": "NotConfigured", "PowerPlatformEnvironmentId": None, "InitialPowerPlatformEnvironmentId": ids.placeholder_env,
        "SetupActivityId": None, "Phase": None, "StartedOnUtc": None, "CompletedOnUtc": None, "ErrorMessage": None,
    }


def test_integration_state_of_an_environment_linked_at_deployment(start_sandbox, make_client, ids):
    client = make_client(start_sandbox("source-already-linked"))
    token = client.user_token(ids.scopes["lcs"])
    data = client.lcs("GET", f"/environment/v1/powerplatformintegration/project/{ids.project}/environment/{ids.lcs_env}", token).json()["Data"]
    assert data["State"] == "Configured" and data["PowerPlatformEnvironmentId"] == ids.placeholder_env


def test_setup_request_validation(client, ids, operator_token):
    path = f"/environment/v1/powerplatformintegration/setup/project/{ids.project}/environment/{ids.lcs_env}"
    assert client.lcs("POST", path, operator_token, data="not json").status_code == 400
    assert client.lcs("POST", path, operator_token, json={"UseExistingPowerPlatformEnvironment": False,
                                                          "PowerPlatformEnvironmentId": ids.target_env, "ConfirmedBy": "Adele Vance"}).status_code == 400
    missing_env = client.lcs("POST", path, operator_token, json={"UseExistingPowerPlatformEnvironment": True,
                                                                 "PowerPlatformEnvironmentId": "00000000-0000-0000-0000-000000000009", "ConfirmedBy": "Adele Vance"})
    assert missing_env.status_code == 200 and missing_env.json()["IsSuccess"] is False
    unknown_lcs_env = client.lcs("POST", f"/environment/v1/powerplatformintegration/setup/project/{ids.project}/environment/00000000-0000-0000-0000-000000000009",
                                 operator_token, json={})
    assert unknown_lcs_env.status_code == 404
    assert client.server.setup_starts() == {}
