"""start_setup, read_provisioning and verify_link against fake clients: the decisions they make."""

from __future__ import annotations

import pytest

import activities.setup as setup
from services import models as M
from services.errors import ServiceUnavailable, Throttled
from tests.activities.fakes import LCS_ENV, OTHER, TARGET, FakeClients, environment

REQUEST = {"lcsProjectId": 1234567, "lcsEnvironmentId": LCS_ENV, "powerPlatformEnvironmentId": TARGET,
           "operator": "admin@contoso.onmicrosoft.com", "setupMode": "lcs-api", "confirmationTimeout": "P3D"}


@pytest.fixture
def fake(monkeypatch) -> FakeClients:
    clients = FakeClients()
    monkeypatch.setattr(setup, "clients", lambda: clients)
    return clients


def run(activity, payload):
    return activity._function.get_user_function()(payload)


def start(fake):
    return run(setup.start_setup, {"request": REQUEST, "confirmedBy": "Adele Vance"})


def test_starts_setup_when_lcs_says_not_configured(fake):
    result = start(fake)
    assert result["outcome"] == "started" and result["setupActivityId"] == "act-1"
    assert fake.lcs_client.starts == [(1234567, LCS_ENV, TARGET, "Adele Vance")]


def test_a_second_run_of_the_activity_adopts_instead_of_starting_again(fake):
    start(fake)
    again = start(fake)
    assert again["outcome"] == "adopted"
    assert len(fake.lcs_client.starts) == 1


def test_a_refused_start_for_our_target_is_adopted(fake):
    fake.lcs_client.refuse_start_with = M.LcsIntegration("SetupInProgress", TARGET, setup_activity_id="portal")
    result = start(fake)
    assert result == {"outcome": "adopted", "setupActivityId": "portal",
                      "message": "Setup for this target was already SetupInProgress; following it."}


@pytest.mark.parametrize("integration", [
    M.LcsIntegration("SetupInProgress", OTHER), M.LcsIntegration("Configured", OTHER),
    M.LcsIntegration("SetupFailed", TARGET, error_message="Capacity"),
])
def test_any_other_state_is_a_conflict_and_starts_nothing(fake, integration):
    fake.lcs_client.integration = integration
    result = start(fake)
    assert result["outcome"] == "conflict" and "No new setup was started" in result["message"]
    assert fake.lcs_client.starts == []


@pytest.mark.parametrize("integration, state", [
    (M.LcsIntegration("NotConfigured"), "NotStarted"),
    (M.LcsIntegration("SetupInProgress", TARGET, phase="Run"), "InProgress"),
    (M.LcsIntegration("Configured", TARGET), "Succeeded"),
    (M.LcsIntegration("SetupFailed", TARGET, error_message="boom"), "Failed"),
    (M.LcsIntegration("SetupInProgress", OTHER), "Failed"),
])
def test_read_provisioning_from_lcs(fake, integration, state):
    fake.lcs_client.integration = integration
    assert run(setup.read_provisioning, {"request": REQUEST})["state"] == state


@pytest.mark.parametrize("target, state", [
    (environment(), "NotStarted"),
    (environment(management_state="Updating"), "InProgress"),
    (environment(linked_app=M.LinkedApp("Linked", LCS_ENV.replace("-", ""), "https://fo")), "Succeeded"),
    (environment(linked_app=M.LinkedApp("Linked", OTHER, None)), "Failed"),
])
def test_read_provisioning_in_operator_mode_uses_the_target_environment(fake, target, state):
    fake.bap.target = target
    assert run(setup.read_provisioning, {"request": {**REQUEST, "setupMode": "operator"}})["state"] == state


def test_a_failed_look_is_unknown_not_fatal(fake, monkeypatch):
    def down(*_):
        raise ServiceUnavailable("lcs", "get_integration", 503, None, "Service Unavailable")
    monkeypatch.setattr(fake.lcs_client, "get_integration", down)
    reading = run(setup.read_provisioning, {"request": REQUEST})
    assert reading["state"] == "Unknown" and "503" in reading["message"]


def test_verify_needs_both_sides_to_name_the_environment(fake):
    fake.bap.target = environment(linked_app=M.LinkedApp("Linked", LCS_ENV, "https://fo"))
    assert run(setup.verify_link, {"request": REQUEST})["verified"] is False  # Dataverse does not say so yet
    fake.dataverse_client.integration = M.FinOpsIntegration("https://fo", "72ad15fq-3m88", LCS_ENV.upper())
    result = run(setup.verify_link, {"request": REQUEST})
    assert result["verified"] is True and result["evidence"]["financeAndOperationsUrl"] == "https://fo"


@pytest.mark.parametrize("error", [
    Throttled("lcs", "get_integration", 429, None, "Too Many Requests", retry_after=120),
    ServiceUnavailable("lcs", "get_integration", 503, None, "Service Unavailable"),
])
def test_a_throttled_or_unavailable_lcs_means_try_again_later(fake, monkeypatch, error):
    def fail(*_):
        raise error
    monkeypatch.setattr(fake.lcs_client, "get_integration", fail)
    result = start(fake)
    assert result["outcome"] == "retry" and fake.lcs_client.starts == []
    assert result["retryAfterSeconds"] == getattr(error, "retry_after", None)
