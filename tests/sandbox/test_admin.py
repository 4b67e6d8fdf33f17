"""Admin endpoints under /_sandbox/: clock, call log, scenario, reset, and that each is documented."""
from __future__ import annotations

import re
import socket
from datetime import timedelta
from pathlib import Path

import pytest

from sandbox.apis.admin import ENDPOINTS
from sandbox.clock import ClockWentBackwards, SandboxClock, utc_now
from sandbox.server import SandboxServer

README = Path(__file__).resolve().parents[2] / "sandbox" / "README.md"


def test_every_admin_endpoint_is_listed_and_documented(client):
    listed = {(e["method"], e["path"]) for e in client.admin("GET", "/").json()["endpoints"]}
    assert listed == {(m, p) for m, p, _ in ENDPOINTS}
    readme = README.read_text(encoding="utf-8")
    for method, path, _ in ENDPOINTS:
        assert re.search(rf"`{method} {re.escape(path)}`", readme), f"{method} {path} is not in sandbox/README.md"


def test_the_clock_starts_real_and_never_moves_back(client):
    assert client.admin("GET", "/clock").json()["mode"] == "real"
    assert client.admin("PUT", "/clock", json={"now": "2030-05-01T08:00:00Z"}).json() == {"now": "2030-05-01T08:00:00Z", "mode": "manual"}
    advanced = client.admin("POST", "/clock/advance", json={"seconds": 5400})
    assert advanced.json()["now"] == "2030-05-01T09:30:00Z"
    backwards = client.admin("PUT", "/clock", json={"now": "2030-05-01T09:00:00Z"})
    assert backwards.status_code == 409 and backwards.json()["now"] == "2030-05-01T09:30:00Z"
    assert client.admin("POST", "/clock/advance", json={"seconds": -1}).status_code == 409
    assert client.admin("PUT", "/clock", json={"now": "2030-05-01T10:00:00"}).status_code == 400  # no zone
    assert client.admin("GET", "/clock").json()["now"] == "2030-05-01T09:30:00Z"


def test_the_call_log_records_service_calls_only_and_can_be_cleared(client, ids):
    client.admin("PUT", "/clock", json={"now": "2030-05-01T08:00:00Z"})
    token = client.app_token(ids.scopes["graph"])
    client.get(f"/graph/v1.0/users/{ids.operator_oid}?$select=id", token)
    calls = client.admin("GET", "/calls").json()
    assert [(c["service"], c["method"], c["status"]) for c in calls] == [("entra", "POST", 200), ("graph", "GET", 200)]
    graph = calls[1]
    assert graph["path"] == f"/graph/v1.0/users/{ids.operator_oid}?$select=id"
    assert graph["at"] == "2030-05-01T08:00:00Z" and graph["caller"] == client.server.settings()["AZURE_CLIENT_ID"]
    assert client.admin("DELETE", "/calls").status_code == 204
    assert client.admin("GET", "/calls").json() == []


def test_reset_forgets_runs_counts_and_calls_but_keeps_the_clock(client, ids):
    client.admin("PUT", "/clock", json={"now": "2030-05-01T08:00:00Z"})
    setup = {"projectId": ids.project, "environmentId": ids.lcs_env, "powerPlatformEnvironmentId": ids.target_env, "confirmedBy": "Adele Vance"}
    assert client.admin("POST", "/lcs/portal-setup", json=setup).status_code == 200
    assert client.admin("GET", "/setup-starts").json() == {ids.lcs_env: 1}
    assert client.admin("GET", "/setup-attempts").json()[0]["via"] == "portal"
    client.admin("POST", "/reset")
    assert client.admin("GET", "/setup-starts").json() == {}
    assert client.admin("GET", "/state").json()["integrations"] == {}
    assert client.admin("GET", "/clock").json()["now"] == "2030-05-01T08:00:00Z"


def test_another_scenario_can_be_loaded_at_run_time(client, ids):
    loaded = client.admin("PUT", "/scenario", json={"scenario": "no-lcs-access"})
    assert loaded.status_code == 200 and loaded.json()["name"] == "no-lcs-access"
    assert client.admin("GET", "/scenario").json()["scenario"]["lcs"]["projects"]["1234567"]["members"][ids.operator] == "TeamMember"
    token = client.user_token(ids.scopes["lcs"])
    assert client.lcs("GET", f"/environmentinfo/v1/detail/project/{ids.project}/", token).status_code == 403


def test_unknown_admin_paths_are_404(client):
    assert client.admin("GET", "/nothing-here").status_code == 404


def test_a_state_directory_keeps_the_ca_and_token_key_across_restarts(tmp_path, make_client, ids):
    with SandboxServer.start("happy-path", state_dir=tmp_path) as first:
        ca = Path(first.ca_cert_path).read_bytes()
        token = make_client(first).app_token(ids.scopes["graph"])
    with SandboxServer.start("happy-path", state_dir=tmp_path) as second:
        assert Path(second.ca_cert_path).read_bytes() == ca
        assert make_client(second).get("/graph/v1.0/users/admin%40contoso.onmicrosoft.com", token).status_code == 200
    assert Path(second.ca_cert_path).exists()  # a given state directory is not removed


def test_a_temporary_state_directory_goes_away_on_stop():
    server = SandboxServer.start("happy-path")
    ca = Path(server.ca_cert_path)
    assert ca.exists() and Path(server.ca_bundle_path).read_text().count("BEGIN CERTIFICATE") >= 1
    server.stop()
    assert not ca.exists()


def test_a_silent_connection_does_not_stall_the_server(server, client):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5):
        assert client.admin("GET", "/clock").status_code == 200



def test_the_clock_may_be_set_to_a_moment_no_caller_has_passed():
    started = utc_now()  # devhost starts its virtual clock here and tells the sandbox a little later
    assert SandboxClock().set(started) == started
    clock = SandboxClock()
    seen = clock.now()  # a call observed this moment
    with pytest.raises(ClockWentBackwards):
        clock.set(seen - timedelta(milliseconds=1))
