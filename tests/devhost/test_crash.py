"""SIGKILL devhost at various points, start it again on the same state: every instance ends correctly."""
import time

import pytest

from devhost.testing import DevhostProcess
from tests.devhost.support import SAMPLE_APP, sample_env

EXPECTED = {
    "sequence": (["A", "B", "C"], ["Hello A!", "Hello B!", "Hello C!"]),
    "fan_out": (6, sum(n * n for n in range(6))),
    "retrying": (None, {"result": "succeeded on attempt 2"}),
    "counter": ({"n": 0, "limit": 3}, 3),
}


@pytest.fixture
def crash_host(azurite, tmp_path):
    host = DevhostProcess(SAMPLE_APP, tmp_path / "devhost", env=sample_env(azurite, tmp_path))
    host.start()
    yield host
    host.stop()


def runs(host, key):
    path = host.state_dir.parent / "sample" / "runs" / key
    return len(path.read_text().splitlines()) if path.exists() else 0


def start_batch(host, tag):
    ids = {}
    for name, (payload, _) in EXPECTED.items():
        instance_id = f"crash-{tag}-{name}"
        if name == "retrying":
            payload = {"attempts": 3, "failures": 1, "key": instance_id, "intervalMs": 200}
        assert host.post(f"/api/orchestrators/{name}/{instance_id}", payload).status == 202
        ids[instance_id] = name
    crashy = f"crash-{tag}-crashy"
    host.post(f"/api/orchestrators/crashy/{crashy}", {"width": 3, "seconds": 0.3, "timerSeconds": 0.5})
    ids[crashy] = "crashy"
    return ids


def check_batch(host, ids):
    for instance_id, name in ids.items():
        done = host.wait_for_status(instance_id, timeout=60)
        assert done["runtimeStatus"] == "Completed", (instance_id, done)
        if name == "crashy":
            assert done["output"]["first"] == [f"{instance_id}-{n}" for n in range(3)]
            assert done["output"]["last"] == f"{instance_id}-last"
        else:
            assert done["output"] == EXPECTED[name][1], instance_id


def test_kills_at_many_points_lose_no_instance(crash_host):
    batches = []
    for n, delay in enumerate([0.0, 0.02, 0.1, 0.3, 0.6, 1.0]):
        batches.append(start_batch(crash_host, f"p{n}"))
        time.sleep(delay)
        crash_host.kill()
        crash_host.start()
    for ids in batches:
        check_batch(crash_host, ids)


def test_activity_interrupted_by_a_kill_runs_again(crash_host):
    crash_host.post("/api/orchestrators/crashy/crash-mid", {"width": 2, "seconds": 2, "timerSeconds": 0})
    crash_host.wait_until(lambda: runs(crash_host, "slow-started-crash-mid-0") >= 1, timeout=20)
    crash_host.kill()
    assert runs(crash_host, "slow-finished-crash-mid-0") == 0
    crash_host.start()
    done = crash_host.wait_for_status("crash-mid", timeout=30)
    assert done["output"]["first"] == ["crash-mid-0", "crash-mid-1"]
    assert runs(crash_host, "slow-started-crash-mid-0") == 2  # at least once: it ran again after the crash
    assert runs(crash_host, "slow-finished-crash-mid-0") == 1


def test_timers_and_waiting_instances_resume_after_a_kill(crash_host):
    crash_host.post("/api/orchestrators/approval/crash-approve", {"timeoutSeconds": 3600})
    crash_host.post("/api/orchestrators/sleeper/crash-sleep", 1.5)
    crash_host.wait_until(lambda: (crash_host.status("crash-approve") or {}).get("customStatus"))
    crash_host.kill()
    time.sleep(1.6)  # the timer falls due while devhost is down
    crash_host.start()
    assert crash_host.wait_for_status("crash-sleep", timeout=20)["runtimeStatus"] == "Completed"
    assert crash_host.status("crash-approve")["runtimeStatus"] == "Running"
    assert crash_host.post("/api/events/crash-approve/approve", {"after": "restart"}).status == 202
    done = crash_host.wait_for_status("crash-approve", timeout=20)
    assert done["customStatus"] == {"state": "approved"}
