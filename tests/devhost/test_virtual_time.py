"""--virtual-time: the clock jumps to the next due timer when nothing is runnable, and can be held."""
import json
import threading
from datetime import timedelta

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from devhost.testing import DevhostProcess
from devhost.timeutil import parse_iso

from tests.devhost.support import SAMPLE_APP, sample_env


class FakeSandbox:
    """Records PUT /_sandbox/clock like the sandbox's admin endpoint."""

    def __init__(self):
        self.clock_updates = []
        self.server = make_server("127.0.0.1", 0, self, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.method == "GET" and request.path == "/_sandbox/clock":
            return Response(json.dumps({"now": "2000-01-01T00:00:00Z"}), content_type="application/json")(
                environ, start_response)
        if request.method == "PUT" and request.path == "/_sandbox/clock":
            self.clock_updates.append(request.get_json()["now"])
            return Response("{}", content_type="application/json")(environ, start_response)
        return Response(status=404)(environ, start_response)


@pytest.fixture(scope="module")
def sandbox():
    fake = FakeSandbox()
    yield fake
    fake.server.shutdown()


@pytest.fixture(scope="module")
def virtual_host(azurite, tmp_path_factory, sandbox):
    state = tmp_path_factory.mktemp("virtual")
    host = DevhostProcess(SAMPLE_APP, state / "devhost", env=sample_env(azurite, state),
                          args=["--virtual-time", "--sandbox-url", sandbox.url])
    host.start()
    yield host
    host.stop()


def test_a_three_day_timeout_takes_no_real_time_and_the_sandbox_clock_follows(virtual_host, sandbox):
    begin = parse_iso(virtual_host.clock()["now"])
    assert sandbox.clock_updates and parse_iso(sandbox.clock_updates[0]) <= begin  # set at start-up
    virtual_host.post("/api/orchestrators/approval/vt-expire", {})
    done = virtual_host.wait_for_status("vt-expire", timeout=15)
    assert done["output"]["expired"] is True
    fired_at = parse_iso(done["output"]["at"])
    assert fired_at - begin >= timedelta(days=3)
    assert parse_iso(sandbox.clock_updates[-1]) >= fired_at - timedelta(seconds=1)
    assert parse_iso(virtual_host.clock()["now"]) >= fired_at


def test_timers_longer_than_six_days_are_split_and_still_fire_on_time(virtual_host):
    begin = parse_iso(virtual_host.clock()["now"])
    virtual_host.post("/api/orchestrators/approval/vt-long", {"timeoutSeconds": 10 * 86400})
    done = virtual_host.wait_for_status("vt-long", timeout=15)
    assert timedelta(days=10) <= parse_iso(done["output"]["at"]) - begin < timedelta(days=10, minutes=1)
    history = virtual_host.status("vt-long", show_history=True)["historyEvents"]
    # The SDK splits it at 3-day intervals until at most 6 days remain: 3 + 3 + 4 days.
    assert [e["EventType"] for e in history].count("TimerFired") == 3


def test_a_held_clock_lets_a_test_raise_the_event_before_the_deadline(virtual_host):
    with virtual_host.held_clock():
        virtual_host.post("/api/orchestrators/approval/vt-held", {})
        virtual_host.wait_until(lambda: (virtual_host.status("vt-held") or {}).get("customStatus"))
        virtual_host.wait_idle()
        assert virtual_host.idle()["held"] is True
        assert virtual_host.status("vt-held")["runtimeStatus"] == "Running"
        assert virtual_host.post("/api/events/vt-held/approve", {"by": "on time"}).status == 202
        done = virtual_host.wait_for_status("vt-held")
    assert json.loads(done["output"]["approved"]) == {"by": "on time"}


def test_advance_moves_a_held_clock_and_fires_what_is_due(virtual_host):
    with virtual_host.held_clock():
        virtual_host.post("/api/orchestrators/sleeper/vt-sleep", 3600)
        virtual_host.wait_until(lambda: virtual_host.clock()["nextTimer"])
        due = parse_iso(virtual_host.clock()["nextTimer"])
        virtual_host.advance_clock(seconds=3599)
        assert virtual_host.status("vt-sleep")["runtimeStatus"] == "Running"
        after = virtual_host.advance_clock(to=due.isoformat())
        assert parse_iso(after["now"]) == due
        done = virtual_host.wait_for_status("vt-sleep")
    assert parse_iso(done["output"]) == due


def test_retry_intervals_use_virtual_time(virtual_host):
    virtual_host.post("/api/orchestrators/retrying/vt-retry",
                      {"attempts": 3, "failures": 2, "key": "vt-retry", "intervalMs": 3600_000})
    assert virtual_host.wait_for_status("vt-retry", timeout=15)["output"] == {"result": "succeeded on attempt 3"}


def test_the_virtual_clock_survives_a_restart(virtual_host):
    before = parse_iso(virtual_host.clock()["now"])
    virtual_host.kill()
    virtual_host.start()
    assert parse_iso(virtual_host.clock()["now"]) >= before


def test_clock_controls_need_virtual_time(sample_host):
    assert sample_host.post("/admin/devhost/clock/hold").status == 409
    assert sample_host.clock()["virtual"] is False
