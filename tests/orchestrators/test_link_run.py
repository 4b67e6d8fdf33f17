"""The link orchestration driven in process, with no host: the SDK's real handle replays hand-built
histories (player.py), activities answer what the tests say, timers fire when the tests say. Each
test asserts what the run scheduled (activity names, and inputs where they matter) and the document
it wrote last. Phases through to setup here; provisioning and its endings in test_link_run_provisioning.py.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from devhost import history as h
from devhost.timeutil import parse_iso
from tests.orchestrators.player import (FACT_ACTIVITIES, IN_PROGRESS, SUCCEEDED, VERIFIED, Player, awaiting, confirm,
                                        confirm_event, fact, link_input, responder)

pytestmark = pytest.mark.timeout(120)

FULL_CAPACITY = fact("gather_capacity", database_used_mb=20400.0)  # 80 MB free of 20 GB
REVALIDATED = {"dataverse-capacity", "target-not-linked", "source-not-linked"}


def test_the_happy_path_validates_waits_starts_setup_once_polls_and_ends_linked():
    player = awaiting(Player(link_input(), responder(read_provisioning=[IN_PROGRESS, IN_PROGRESS, SUCCEEDED],
                                                     verify_link=VERIFIED)))
    assert set(player.scheduled) == FACT_ACTIVITIES | {"publish_event", "save_status"}
    confirm(player)
    player.play(timers=True)

    assert player.done and player.output()["phase"] == "Linked"
    assert player.published() == ["link.validating", "link.awaiting-confirmation", "link.starting-setup",
                                  "link.provisioning", "link.verifying", "link.linked"]
    [setup] = player.inputs("start_setup")
    assert setup["confirmedBy"] == "Adele Vance"
    assert setup["request"]["lcsEnvironmentId"] == link_input()["request"]["lcsEnvironmentId"]
    assert len(player.inputs("read_provisioning")) == 3 and len(player.inputs("verify_link")) == 1
    assert len([name for name in player.scheduled if name.startswith("gather_")]) == len(FACT_ACTIVITIES)
    document = player.saved[-1]
    assert document["phase"] == "Linked" and document["outcome"]["result"] == "Linked"
    assert document["outcome"]["audit"]["setupActivityId"] == "setup-1"
    assert document["outcome"]["linkedEnvironment"] == VERIFIED["evidence"]
    assert document["confirmation"]["typedName"] == "Adele Vance" and document["confirmation"]["confirmedAt"]
    assert document["provisioning"]["polls"] == 3 and document["provisioning"]["started"]
    assert [step["phase"] for step in document["timeline"]] == [
        "Validating", "AwaitingConfirmation", "StartingSetup", "Provisioning", "Verifying", "Linked"]
    assert [(v["version"], v["document"]["phase"]) for v in player.inputs("save_status")][-1] == \
        (len(player.inputs("save_status")), "Linked")  # each write the next version
    assert player.timers == {}  # the confirmation deadline was cancelled with the confirmation


def test_the_validating_document_and_event_go_out_with_the_first_facts():
    """Contract 3: one episode schedules the first fact stage, the Validating document and its event;
    the Dataverse facts (second stage) wait for the target and the operator."""
    player = Player(link_input())
    first_stage = FACT_ACTIVITIES - {"gather_dataverse_roles", "gather_dataverse_integration"}
    assert set(player.scheduled) == first_stage | {"save_status", "publish_event"}
    # The facts go out first (the worker starts them first), then the document and the event.
    assert player.scheduled[-2:] == ["save_status", "publish_event"]
    [written] = player.inputs("save_status")
    assert (written["version"], written["document"]["phase"]) == (1, "Validating")
    assert player.published() == ["link.validating"]
    assert player.custom_status["phase"] == "Validating"
    player.step(player.completions())
    assert set(player.scheduled[-2:]) == {"gather_dataverse_roles", "gather_dataverse_integration"}


def test_a_contract_2_run_writes_and_announces_validating_before_its_first_facts():
    """Runs in flight keep the sequence they started with (README, "Upgrading safely")."""
    player = Player(link_input(version=2))
    assert player.scheduled == ["save_status"]
    player.step(player.completions())
    assert player.scheduled == ["save_status", "publish_event"]
    player.step(player.completions())
    assert player.scheduled[2:] == ["gather_operator", "gather_target_environment", "gather_tenant_settings",
                                    "gather_capacity", "gather_lcs_environment", "gather_lcs_links",
                                    "gather_lcs_integration"]  # the declared order, as release stop-18 recorded it


def test_a_failed_check_ends_the_run_validation_failed_before_any_wait():
    player = Player(link_input(), responder(gather_capacity=FULL_CAPACITY))
    player.play()
    assert player.done and player.output()["phase"] == "ValidationFailed"
    assert player.published() == ["link.validating", "link.validation-failed"]
    assert "start_setup" not in player.scheduled and player.timers == {}
    outcome = player.saved[-1]["outcome"]
    assert outcome["result"] == "ValidationFailed" and outcome["checks"] == ["dataverse-capacity"]
    [capacity] = [c for c in player.saved[-1]["checks"] if c["id"] == "dataverse-capacity"]
    assert capacity["outcome"] == "failed"


def test_the_deadline_wins_over_a_confirmation_that_comes_in_the_same_episode():
    player = awaiting(Player(link_input()))
    deadline = player.fire_timer()
    player.step([deadline, confirm_event(player.now, "Adele Vance", "too-late")])
    player.play()
    assert player.done and player.output()["phase"] == "ConfirmationExpired"
    assert player.published()[-1] == "link.confirmation-expired"
    assert "start_setup" not in player.scheduled
    document = player.saved[-1]
    assert document["confirmation"]["attempts"] == [] and document["confirmation"]["confirmedAt"] is None
    assert parse_iso(document["outcome"]["completedAt"]) >= parse_iso(document["confirmation"]["expiresAt"])


def test_a_cancel_ends_the_wait_and_nothing_is_started():
    player = awaiting(Player(link_input()))
    cancel = {"reason": "change window moved", "by": {"name": "admin@contoso.onmicrosoft.com"}, "attemptId": "c-1"}
    player.step([h.event_raised(player.now, "Cancel", json.dumps(json.dumps(cancel)))])  # as the client sends it
    player.play()
    assert player.done and player.output()["phase"] == "Cancelled"
    assert player.published()[-1] == "link.cancelled" and "start_setup" not in player.scheduled
    outcome = player.saved[-1]["outcome"]
    assert (outcome["reason"], outcome["attemptId"]) == ("change window moved", "c-1")
    assert player.timers == {}  # the deadline was cancelled


def test_a_wrong_name_is_recorded_and_the_wait_goes_on_until_the_right_one():
    player = awaiting(Player(link_input()))
    confirm(player, "Adele Vans", "attempt-1")
    player.play()
    assert not player.done and player.custom_status["phase"] == "AwaitingConfirmation"
    assert player.saved_attempts() == [("attempt-1", False)] and "start_setup" not in player.scheduled
    assert len(player.timers) == 1  # still the same deadline
    confirm(player, "  adele VANCE ", "attempt-2")
    player.play(until=lambda p: "start_setup" in p.scheduled)
    assert player.saved_attempts() == [("attempt-1", False), ("attempt-2", True)]
    assert player.custom_status["confirmation"]["attemptCount"] == 2
    assert player.scheduled.count("start_setup") == 1


def late_confirmation(capacity_then: dict) -> Player:
    data = link_input()
    data["options"]["revalidateAfterSeconds"] = 600
    player = awaiting(Player(data, responder(gather_capacity=[fact("gather_capacity"), capacity_then])))
    player.now += timedelta(minutes=11)
    validated = len(player.calls)
    confirm(player)
    player.play(until=lambda p: p.done or "start_setup" in p.scheduled)
    player.revalidated = {name for name, _ in player.calls[validated:] if name.startswith("gather_")}
    return player


def test_a_confirmation_older_than_the_configured_age_revalidates_the_checks_that_can_change():
    player = late_confirmation(fact("gather_capacity"))
    assert "gather_capacity" in player.revalidated and player.revalidated < FACT_ACTIVITIES
    assert "gather_operator" not in player.revalidated  # per-user checks are not re-run
    assert player.scheduled.count("start_setup") == 1
    revalidation = player.saved[-1]["revalidation"]
    assert revalidation["at"] and {c["id"] for c in revalidation["replaced"]} <= REVALIDATED


def test_a_prerequisite_that_changed_before_a_late_confirmation_stops_the_run():
    player = late_confirmation(FULL_CAPACITY)
    assert player.done and player.output()["phase"] == "ValidationFailed"
    assert "start_setup" not in player.scheduled
    assert player.saved[-1]["outcome"]["message"] == "A prerequisite changed between validation and confirmation."


def test_a_confirmation_within_the_age_runs_no_check_again():
    player = awaiting(Player(link_input()))
    validated = len(player.calls)
    confirm(player)
    player.play(until=lambda p: "start_setup" in p.scheduled)
    assert not [name for name, _ in player.calls[validated:] if name.startswith("gather_")]
