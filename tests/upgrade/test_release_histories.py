"""Runs in flight survive a deploy: histories recorded by earlier releases replay through today's code.

Every file under tests/fixtures/histories/<release>/ is one run recorded by that release (see the
README there). Each execution's history goes through today's `function_app.app` with the SDK's real
replay: the activities and timers it schedules must match the recorded ones, in order, and nothing
new may be scheduled where the history already moved on. A run in flight is a prefix: it must
replay to the same point. A finished run must also finish again (its output may differ: a release
may change what a run returns without breaking a run in flight).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import function_app
from devhost.replay import replay_history

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "histories"
RECORDED = sorted(FIXTURES.glob("*/*.json"))
# The fixture set the lead asked for, per release: a new release's folder must have them all too.
EXPECTED = {"linked-lcs-api", "linked-operator", "validation-failed", "awaiting-confirmation-wrong-name",
            "provisioning-after-continue-as-new"}


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def _executions(path: Path):
    recording = _load(path)
    executions = recording["executions"]
    for number, execution in enumerate(executions, start=1):
        last = number == len(executions)
        # Only the last execution can have finished; the others continued as new and are prefixes.
        status = recording["runtimeStatus"] if last else "Running"
        yield pytest.param(recording, execution, status, id=f"{path.parent.name}/{path.stem}#{number}")


@pytest.mark.parametrize("recording, execution, status", [p for path in RECORDED for p in _executions(path)])
def test_a_recorded_execution_replays_through_todays_code(recording, execution, status):
    report = replay_history(function_app.app, recording["name"], recording["instanceId"], execution["history"],
                            status, same_output=False)
    assert report.ok, f"{recording['release']}/{recording['fixture']}: " + "; ".join(report.problems)


def test_every_release_folder_keeps_the_whole_fixture_set():
    releases = {path.parent.name for path in RECORDED}
    assert "stop-8" in releases
    for release in releases:
        kept = {path.stem for path in RECORDED if path.parent.name == release}
        assert kept >= EXPECTED, f"{release} lacks {sorted(EXPECTED - kept)}"


def test_the_fixtures_cover_what_they_claim():
    by_name = {path.stem: _load(path) for path in RECORDED if path.parent.name == "stop-8"}
    assert by_name["linked-lcs-api"]["customStatus"]["phase"] == "Linked"
    assert by_name["linked-operator"]["input"]["request"]["setupMode"] == "operator"
    assert by_name["validation-failed"]["output"]["phase"] == "ValidationFailed"
    awaiting = by_name["awaiting-confirmation-wrong-name"]
    assert awaiting["runtimeStatus"] == "Running" and awaiting["output"] is None
    assert [a["accepted"] for a in awaiting["customStatus"]["confirmation"]["attempts"]] == [False]
    provisioning = by_name["provisioning-after-continue-as-new"]
    assert provisioning["customStatus"]["phase"] == "Provisioning" and len(provisioning["executions"]) >= 2
    assert "carry" in provisioning["executions"][-1]["input"]


def test_a_changed_sequence_of_activities_is_caught(monkeypatch):
    """The guard can fail: today's orchestrator with one activity renamed no longer replays stop-8."""
    from activities import names

    recording = _load(FIXTURES / "stop-8" / "awaiting-confirmation-wrong-name.json")
    monkeypatch.setattr(names, "PUBLISH_EVENT", "publish_event_v2")
    report = replay_history(function_app.app, recording["name"], recording["instanceId"],
                            recording["executions"][0]["history"], "Running", same_output=False)
    assert not report.ok and "publish_event_v2" in " ".join(report.problems)
