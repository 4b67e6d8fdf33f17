"""The link orchestration in process after the confirmation: setup started once (or left to the
operator), provisioning polled on durable timers, continue-as-new after the configured polls, and
each way it ends (see test_link_run.py for the player)."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrators.projection import CONTRACT_VERSION
from tests.orchestrators.player import (IN_PROGRESS, SUCCEEDED, VERIFIED, Player, awaiting, confirm, link_input,
                                        responder)

pytestmark = pytest.mark.timeout(120)

NOT_STARTED = {"state": "NotStarted"}


def confirmed(options: dict[str, Any] | None = None, setup_mode: str = "lcs-api", **answers: Any) -> Player:
    data = link_input(setupMode=setup_mode)
    data["options"].update(options or {})
    player = awaiting(Player(data, responder(verify_link=VERIFIED, **answers)))
    confirm(player)
    return player


def test_operator_mode_schedules_no_setup_and_follows_the_operators_click_to_linked():
    player = confirmed(setup_mode="operator", read_provisioning=[NOT_STARTED, NOT_STARTED, IN_PROGRESS, SUCCEEDED])
    player.play(timers=True)
    assert player.done and player.output()["phase"] == "Linked"
    assert "start_setup" not in player.scheduled
    assert player.published() == ["link.validating", "link.awaiting-confirmation", "link.starting-setup",
                                  "link.provisioning", "link.verifying", "link.linked"]
    [starting] = [data for name, data in player.calls if name == "publish_event"
                  and data["type"] == "link.starting-setup"]
    assert any("Use a different Power Platform environment" in step for step in starting["data"]["operatorInstructions"])
    provisioning = player.saved[-1]["provisioning"]
    assert provisioning["started"] and provisioning["setupActivityId"] == "setup-1" and provisioning["polls"] == 4


def test_provisioning_that_fails_ends_the_run_with_its_message_and_no_verification():
    failed = {"state": "Failed", "phase": "Run", "message": "Setup failed in phase Run: capacity is gone."}
    player = confirmed(read_provisioning=[IN_PROGRESS, failed])
    player.play(timers=True)
    assert player.done and player.output()["phase"] == "ProvisioningFailed"
    assert player.saved[-1]["outcome"]["message"] == failed["message"]
    assert player.scheduled.count("start_setup") == 1 and "verify_link" not in player.scheduled
    assert player.published()[-1] == "link.provisioning-failed"


def test_provisioning_past_its_deadline_ends_timed_out():
    player = confirmed({"provisioningDeadlineSeconds": 1800, "maxPollsPerExecution": 100},
                       read_provisioning=IN_PROGRESS)
    player.play(timers=True)
    assert player.done and player.output()["phase"] == "ProvisioningTimedOut"
    document = player.saved[-1]
    assert document["provisioning"]["polls"] >= 2 and "verify_link" not in player.scheduled
    assert document["provisioning"]["lastCheckedAt"] >= document["provisioning"]["deadline"]
    assert "may still be running" in document["outcome"]["message"]


def test_the_monitor_continues_as_new_after_the_configured_polls_and_the_next_execution_goes_on():
    player = confirmed({"maxPollsPerExecution": 2}, read_provisioning=IN_PROGRESS)
    player.play(timers=True)
    carried = player.continued_with()
    assert player.done and carried is not None
    assert player.output()["phase"] == "Provisioning"  # the output of the execution that continued
    assert len(player.inputs("read_provisioning")) == 2
    assert carried["version"] == CONTRACT_VERSION and carried["carry"]["provisioning"]["polls"] == 2
    assert carried["carry"]["confirmation"]["typedName"] == "Adele Vance"

    successor = Player(carried, responder(read_provisioning=SUCCEEDED, verify_link=VERIFIED), now=player.now,
                       execution="execution-2")
    assert successor.outstanding_names() == [] and len(successor.timers) == 1  # it waits for the next poll first
    successor.play(timers=True)
    assert successor.done and successor.output()["phase"] == "Linked"
    assert "start_setup" not in successor.scheduled  # never a second setup
    assert not [name for name in successor.scheduled if name.startswith("gather_")]
    assert successor.published() == ["link.verifying", "link.linked"]
    assert successor.saved[-1]["provisioning"]["polls"] == 3


def test_a_throttled_setup_start_is_asked_again_after_its_retry_after():
    retry = {"outcome": "retry", "retryAfterSeconds": 120, "message": "LCS answered 429"}
    started = {"outcome": "started", "setupActivityId": "setup-1"}
    player = confirmed(start_setup=[retry, started], read_provisioning=SUCCEEDED)
    player.play(timers=True)
    assert player.done and player.output()["phase"] == "Linked"
    assert player.scheduled.count("start_setup") == 2
    assert player.published().count("link.provisioning") == 1


def test_an_activity_that_fails_after_its_retries_ends_the_run_failed():
    player = confirmed()
    for _ in range(3):  # ACTIVITY_RETRY: three attempts, a retry timer between them
        player.play(timers=True, keep=lambda name, data: name == "start_setup",
                    until=lambda p: "start_setup" in p.outstanding_names())
        player.step([player.fail("start_setup", "LCS exploded")])
    player.play(timers=True)
    assert player.done and player.output()["phase"] == "Failed"
    assert player.scheduled.count("start_setup") == 3
    assert "LCS exploded" in player.saved[-1]["outcome"]["message"]
    assert player.published()[-1] == "link.failed" and "read_provisioning" not in player.scheduled
