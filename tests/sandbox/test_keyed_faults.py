"""Keyed faults (`faults.keyed`: one operation, one key, N times, this status) and per-request draws
(`faults.draws: perRequest`), through the scenario format, the admin endpoint and the server."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.fault_targets import FaultTarget
from sandbox.faults import FaultInjector
from sandbox.scenario import ScenarioError

REPO = Path(__file__).resolve().parents[2]
PROD_ENV = "be341a97-e34c-4e63-94d9-8355f97ce9d6"  # happy-path's second LCS environment, same project


@pytest.fixture
def operator_token(client, ids):
    return client.user_token(ids.scopes["lcs"])


def integration(client, ids, token, environment):
    return client.lcs("GET", f"/environment/v1/powerplatformintegration/project/{ids.project}/environment/{environment}",
                      token)


def test_one_environments_integration_reads_fail_n_times_and_the_others_never(client, server, ids, operator_token):
    written = ids.lcs_env.upper().replace("-", "")  # keys are GUIDs in any form, like the services' ids
    server.set_faults({"keyed": {"lcs.integration": {written: {"status": 429, "times": 2, "retryAfterSeconds": 7}}}})
    other = integration(client, ids, operator_token, PROD_ENV)
    first, second, third = (integration(client, ids, operator_token, ids.lcs_env) for _ in range(3))
    assert other.status_code == 200
    assert (first.status_code, second.status_code, third.status_code) == (429, 429, 200)
    assert first.headers["Retry-After"] == "7" and first.json()["IsSuccess"] is False  # LCS's own shape
    assert client.admin("GET", "/faults").json()["keyed"]["lcs.integration"][ids.lcs_env]["times"] == 0
    faults = [c["fault"] for c in server.calls() if c["service"] == "lcs" and "powerplatformintegration" in c["path"]]
    assert faults == [None, "keyed", "keyed", None]


def test_a_token_scope_meets_its_fault_and_other_scopes_do_not(client, server, ids):
    client.admin("PUT", "/faults", json={"keyed": {"entra.token": {ids.scopes["graph"]: {
        "status": 503, "times": 1, "retryAfterSeconds": 0.5}}}})
    settings = server.settings()
    form = dict(grant_type="client_credentials", client_id=settings["AZURE_CLIENT_ID"],
                client_secret=settings["AZURE_CLIENT_SECRET"])
    busy = client.token_endpoint(**form, scope=ids.scopes["graph"])
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "0.5"
    assert busy.json()["error"] == "server_error"  # Entra's shape
    assert client.token_endpoint(**form, scope=ids.scopes["bap"]).status_code == 200
    assert client.token_endpoint(**form, scope=ids.scopes["graph"]).status_code == 200


def test_a_service_wide_fault_with_any_key_lasts_until_replaced(client, server, ids):
    server.set_faults({"keyed": {"entra": {"*": {"status": 429}}}})
    for _ in range(3):
        answer = client.get(f"/{ids.tenant}/v2.0/.well-known/openid-configuration")
        assert answer.status_code == 429 and answer.headers["Retry-After"] == "1"  # the service's retryAfterSeconds
    server.set_faults({})
    assert client.get(f"/{ids.tenant}/v2.0/.well-known/openid-configuration").status_code == 200


def test_the_most_specific_fault_wins_and_a_5xx_without_retry_after_sends_none(client, server, ids, operator_token):
    server.set_faults({"keyed": {"lcs": {"*": {"status": 429}},
                                 "lcs.integration": {"*": {"status": 500}, ids.lcs_env: {"status": 502, "times": 1}}}})
    assert integration(client, ids, operator_token, ids.lcs_env).status_code == 502
    assert integration(client, ids, operator_token, ids.lcs_env).status_code == 500
    failed = integration(client, ids, operator_token, PROD_ENV)
    assert failed.status_code == 500 and "Retry-After" not in failed.headers
    metadata = client.lcs("GET", f"/environmentinfo/v1/detail/project/{ids.project}/", operator_token)
    assert metadata.status_code == 429


def test_scenario_keyed_faults_come_back_on_reset(client, start_sandbox, make_client, ids):
    server = start_sandbox({"extends": "happy-path",
                            "faults": {"keyed": {"lcs.metadata": {str(ids.project): {"status": 503, "times": 1}}}}})
    client = make_client(server)
    token = client.user_token(ids.scopes["lcs"])
    path = f"/environmentinfo/v1/detail/project/{ids.project}/"
    assert [client.lcs("GET", path, token).status_code for _ in range(2)] == [503, 200]
    client.admin("POST", "/reset")
    assert client.lcs("GET", path, token).status_code == 503


@pytest.mark.parametrize("faults,wanted", [
    ({"keyed": {"lcs.deploy": {"*": {"status": 429}}}}, "'lcs.deploy' is not an operation"),
    ({"keyed": {"sharepoint": {"*": {"status": 429}}}}, "$.faults.keyed"),
    ({"keyed": {"lcs.setup": {"*": {"status": 404}}}}, "$.faults.keyed['lcs.setup']['*'].status"),
    ({"keyed": {"lcs.setup": {"*": {"times": 2}}}}, "'status' is a required property"),
    ({"draws": "perCall"}, "$.faults.draws"),
])
def test_invalid_keyed_faults_are_refused_with_the_path(client, faults, wanted):
    response = client.admin("PUT", "/faults", json=faults)
    assert response.status_code == 400
    assert any(wanted in error for error in response.json()["errors"]), response.json()


def test_an_unknown_operation_in_a_scenario_is_refused_at_load(start_sandbox):
    with pytest.raises(ScenarioError, match="not an operation"):
        start_sandbox({"extends": "happy-path", "faults": {"keyed": {"graph.get_users": {"*": {"status": 503}}}}})


def _target(path: str) -> FaultTarget:
    return FaultTarget("graph", "graph.get_user", frozenset(), ("graph", "GET", path, "", ""))


def test_per_request_draws_give_each_request_its_fates_whatever_the_interleaving():
    config = {"seed": 11, "draws": "perRequest", "graph": {"throttleRate": 0.5}}
    first, second = _target("/graph/v1.0/users/a"), _target("/graph/v1.0/users/b")
    one_after_another = FaultInjector(config)
    alone = {t: [one_after_another.decide("graph", t).kind for _ in range(20)] for t in (first, second)}
    interleaved = FaultInjector(config)
    mixed: dict[FaultTarget, list] = {first: [], second: []}
    for _ in range(20):
        mixed[second].append(interleaved.decide("graph", second).kind)
        mixed[first].append(interleaved.decide("graph", first).kind)
    assert mixed == alone
    assert alone[first] != alone[second] and {"throttled", None} == set(alone[first])
    # per service (the default), the same calls in another order meet other fates
    shared = FaultInjector({**config, "draws": "perService"})
    assert [shared.decide("graph", t).kind for t in [second, first] * 20][1::2] != alone[first]


def test_per_request_draws_over_http_repeat_for_a_seed(start_sandbox, make_client, ids):
    scenario = {"extends": "happy-path", "faults": {"seed": 3, "draws": "perRequest",
                                                     "graph": {"throttleRate": 0.5}}}
    paths = [f"/graph/v1.0/users/{name}" for name in ("a", "b", "c")]

    def fates(order):
        client = make_client(start_sandbox(scenario))
        seen = {path: [] for path in paths}
        for path in order:
            seen[path].append(client.get(path).status_code == 429)
        return seen

    assert fates(paths * 4) == fates(list(reversed(paths)) * 4)


def test_the_command_line_check_refuses_an_unknown_operation(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"extends": "happy-path", "faults": {"keyed": {"lcs.deploy": {"*": {"status": 503}}}}}))
    result = subprocess.run([sys.executable, "-m", "sandbox", "--check", str(bad)], cwd=REPO, capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 1 and "'lcs.deploy' is not an operation of the sandbox" in result.stderr
