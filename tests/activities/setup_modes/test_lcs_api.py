"""lcs-api mode: start setup through LCS exactly once, and read LCS's integration state."""

from __future__ import annotations

import pytest

import activities.setup as setup
from services import models as M
from tests.activities.fakes import LCS_ENV, OTHER, TARGET
from tests.activities.setup_modes.support import REQUEST, run


def start(fake):
    return run(setup.start_setup, {"request": REQUEST, "confirmedBy": "Adele Vance"})


def test_starts_setup_when_lcs_says_not_configured(fake):
    result = start(fake)
    assert result == {"outcome": "started", "setupActivityId": "act-1", "message": "Setup started."}
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
    assert list(result) == ["outcome", "setupActivityId", "message"]
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


def test_an_lcs_reading_reports_phase_activity_and_message_even_when_empty(fake):
    """The shape recorded histories hold: every key, null or not."""
    fake.lcs_client.integration = M.LcsIntegration("SetupInProgress", TARGET, setup_activity_id="act-9", phase="Run")
    assert run(setup.read_provisioning, {"request": REQUEST}) == {
        "state": "InProgress", "phase": "Run", "setupActivityId": "act-9", "message": None}


def test_an_lcs_reading_for_another_target_is_a_failure_naming_it(fake):
    fake.lcs_client.integration = M.LcsIntegration("Configured", OTHER)
    assert run(setup.read_provisioning, {"request": REQUEST}) == {
        "state": "Failed", "message": f"Lifecycle Services is linking to another environment ({OTHER})."}
