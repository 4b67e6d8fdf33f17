"""The setup activities' answers: typed, and written as the JSON recorded histories hold."""

from __future__ import annotations

import json

import pytest

from domain.serialization import from_json, to_json
from domain.setup_results import (
    IntegrationReading, ProvisioningReading, ProvisioningState as S, SetupOutcome as O, SetupStart, Verification,
)


@pytest.mark.parametrize("answer, recorded", [
    (SetupStart(O.STARTED, setupActivityId="act-1", message="Setup started."),
     '{"outcome": "started", "setupActivityId": "act-1", "message": "Setup started."}'),
    (SetupStart(O.CONFLICT, message="No new setup was started."),
     '{"outcome": "conflict", "setupActivityId": null, "message": "No new setup was started."}'),
    (SetupStart(O.RETRY, retryAfterSeconds=None, message="503"),
     '{"outcome": "retry", "retryAfterSeconds": null, "message": "503"}'),
    (SetupStart(O.GAVE_UP, message="in time"), '{"outcome": "gave-up", "message": "in time"}'),
    (IntegrationReading(S.IN_PROGRESS, phase="Run"),
     '{"state": "InProgress", "phase": "Run", "setupActivityId": null, "message": null}'),
    (ProvisioningReading(S.NOT_STARTED), '{"state": "NotStarted"}'),
    (ProvisioningReading(S.SUCCEEDED, phase="Linked"), '{"state": "Succeeded", "phase": "Linked"}'),
    (ProvisioningReading(S.FAILED, message="other"), '{"state": "Failed", "message": "other"}'),
    (ProvisioningReading.unknown("503", None), '{"state": "Unknown", "message": "503", "retryAfterSeconds": null}'),
    (Verification(True, {"linkedAppId": "x"}, "Verified."),
     '{"verified": true, "evidence": {"linkedAppId": "x"}, "message": "Verified."}'),
])
def test_each_answer_is_written_with_the_keys_it_always_had(answer, recorded):
    assert json.dumps(to_json(answer)) == recorded
    assert to_json(from_json(type(answer), json.loads(recorded))) == json.loads(recorded)


def test_answers_recorded_by_earlier_releases_read_back_typed():
    started = from_json(SetupStart, {"outcome": "started", "setupActivityId": "setup-1"})
    assert started.outcome is O.STARTED and started.proceeds and started.message is None
    reading = from_json(ProvisioningReading, {"state": "InProgress", "phase": "Run", "setupActivityId": "a",
                                              "message": None, "somethingNew": 1})
    assert reading.state is S.IN_PROGRESS and reading.setupActivityId == "a" and reading.retryAfterSeconds is None
    verdict = from_json(Verification, {"verified": False, "message": "boom", "evidence": None})
    assert verdict == Verification(False, None, "boom")


@pytest.mark.parametrize("outcome, proceeds", [(O.STARTED, True), (O.ADOPTED, True), (O.CONFLICT, False),
                                               (O.RETRY, False), (O.GAVE_UP, False)])
def test_only_a_started_or_adopted_setup_proceeds(outcome, proceeds):
    assert SetupStart(outcome).proceeds is proceeds
