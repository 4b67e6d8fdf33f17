"""Determinism: finished instances replay to the same actions; a changed orchestrator is caught."""
from datetime import timedelta

import pytest

from devhost import history as h
from devhost.episode import plan_episode
from devhost.functions import index_app
from devhost.replay import NonDeterminismError, assert_deterministic, replay_instance
from devhost.store import Instance, Message
from devhost.timeutil import fmt_event, parse_iso
from tests.devhost.support import load_sample_app

RUNS = {
    "rp-sequence": ("sequence", ["A", "B"]),
    "rp-fan": ("fan_out", 4),
    "rp-retry": ("retrying", {"attempts": 3, "failures": 1, "key": "rp-retry"}),
    "rp-counter": ("counter", {"n": 0, "limit": 2}),
    "rp-branching": ("branching", None),
    "rp-expire": ("approval", {"timeoutSeconds": 0.2}),
}


@pytest.fixture(scope="module")
def finished(sample_host):
    for instance_id, (name, payload) in RUNS.items():
        assert sample_host.post(f"/api/orchestrators/{name}/{instance_id}", payload).status == 202
    sample_host.post("/api/orchestrators/approval/rp-approve", {"timeoutSeconds": 600})
    sample_host.wait_until(lambda: (sample_host.status("rp-approve") or {}).get("customStatus"))
    sample_host.post("/api/events/rp-approve/approve", {"ok": True})
    for instance_id in [*RUNS, "rp-approve"]:
        assert sample_host.wait_for_status(instance_id)["runtimeStatus"] == "Completed"
    return sample_host.db_path


def test_finished_instances_replay_deterministically(finished):
    reports = assert_deterministic(load_sample_app(), finished)
    assert {r.instance_id for r in reports} >= {*RUNS, "rp-approve"}
    assert all(r.ok for r in reports)


def test_a_changed_orchestrator_is_reported(finished, monkeypatch):
    monkeypatch.setenv("SAMPLE_BRANCH", "b")
    report = replay_instance(load_sample_app(), finished, "rp-branching")
    assert not report.ok
    assert "'say_hello'" in report.problems[0] and "'square'" in report.problems[0]
    with pytest.raises(NonDeterminismError, match="rp-branching"):
        assert_deterministic(load_sample_app(), finished, "rp-branching")


def test_the_engine_fails_an_instance_whose_replay_diverges():
    handles = {f.name: f.func for f in index_app(load_sample_app())}
    now = parse_iso("2030-01-01T00:00:00Z")
    sdk_input = '"[\\"A\\"]"'  # what DurableOrchestrationClient.start_new posts for ["A"]
    past = [
        h.orchestrator_started(now), h.execution_started(now, "sequence", "", sdk_input, "nd", "e1"),
        h.task_scheduled(now, 0, "renamed_activity", '"A"'), h.orchestrator_completed(now),
    ]
    instance = Instance("nd", "sequence", "", "e1", "Running", sdk_input, None, None, fmt_event(now), fmt_event(now), 3)
    later = now + timedelta(seconds=1)
    message = h.task_completed(later, 0, '"Hello A!"')
    from devhost.store import Message

    episode = plan_episode(instance, past, [Message(1, "e1", message, None)], later, handles.get)
    assert episode.commit.runtime_status == "Failed"
    assert "Non-deterministic workflow detected" in episode.commit.output
    assert "'say_hello'" in episode.commit.output and "'renamed_activity'" in episode.commit.output
