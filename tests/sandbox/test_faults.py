"""Fault injection: seeded rates, bursts, down services, latency, service-shaped 429/5xx, runtime switching."""
from __future__ import annotations

import pytest

from sandbox.faults import FaultInjector, format_retry_after

GRAPH_USER = "/graph/v1.0/users/admin%40contoso.onmicrosoft.com"


def _fates(config: dict, service: str, calls: int) -> list:
    injector = FaultInjector(config)
    return [injector.decide(service).kind for _ in range(calls)]


def test_rates_are_close_to_the_configuration_and_repeat_for_a_seed():
    config = {"seed": 42, "graph": {"throttleRate": 0.2, "errorRate": 0.1}}
    fates = _fates(config, "graph", 2000)
    throttled, errors = fates.count("throttled"), fates.count("error")
    assert 330 <= throttled <= 470  # 2000 x 0.2, +-3.5 sigma
    assert 130 <= errors <= 235  # 2000 x 0.8 x 0.1
    assert _fates(config, "graph", 2000) == fates
    assert _fates({**config, "seed": 43}, "graph", 2000) != fates


def test_services_draw_from_separate_streams():
    config = {"seed": 5, "graph": {"throttleRate": 0.5}, "bap": {"throttleRate": 0.5}}
    alone = _fates(config, "graph", 50)
    injector = FaultInjector(config)
    interleaved = []
    for _ in range(50):
        injector.decide("bap")
        interleaved.append(injector.decide("graph").kind)
    assert interleaved == alone


def test_burst_then_normal_and_down_wins():
    assert _fates({"lcs": {"burst": 3}}, "lcs", 5) == ["burst", "burst", "burst", None, None]
    assert set(_fates({"dataverse": {"down": True, "throttleRate": 1}}, "dataverse", 5)) == {"down"}


@pytest.mark.parametrize("seconds,header", [(2, "2"), (2.0, "2"), (2.128, "2.128"), (0.5, "0.5")])
def test_retry_after_is_written_like_the_services_do(seconds, header):
    assert format_retry_after(seconds) == header


def test_graph_throttling_uses_the_captured_body_and_a_fractional_retry_after(client, server, ids, captured, shape_gaps):
    token = client.app_token(ids.scopes["graph"])
    server.set_faults({"graph": {"throttleRate": 1, "retryAfterSeconds": 2.128}})
    response = client.get(GRAPH_USER, token)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2.128"
    assert shape_gaps(response.json(), captured("throttling_429.json")) == []
    assert response.json()["error"]["code"] == "TooManyRequests"


@pytest.mark.parametrize("service,path,code", [
    ("dataverse", "/dataverse/contoso-uat/api/data/v9.2/WhoAmI", "0x80072322"),
    ("bap", "/bap/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2023-06-01", "TooManyRequests"),
    ("powerplatform", "/powerplatform/licensing/tenantCapacity?api-version=2022-03-01-preview", "TooManyRequests"),
])
def test_throttling_in_each_services_shape(client, server, service, path, code):
    server.set_faults({service: {"throttleRate": 1, "retryAfterSeconds": 3}})
    response = client.get(path)  # faults come before the token check, as at a gateway
    assert response.status_code == 429 and response.headers["Retry-After"] == "3"
    assert response.json()["error"]["code"] == code


def test_lcs_throttling_and_errors_use_the_envelope(client, server, ids):
    server.set_faults({"lcs": {"throttleRate": 1, "retryAfterSeconds": 4}})
    throttled = client.get(f"/lcs/environmentinfo/v1/detail/project/{ids.project}/")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "4"
    assert throttled.json()["IsSuccess"] is False
    server.set_faults({"lcs": {"errorRate": 1, "errorStatus": 502}})
    failed = client.get(f"/lcs/environmentinfo/v1/detail/project/{ids.project}/")
    assert failed.status_code == 502 and failed.json()["IsSuccess"] is False


def test_a_burst_of_503_then_recovery_over_http(client, server, ids):
    token = client.app_token(ids.scopes["graph"])
    response = client.admin("PUT", "/faults", json={"graph": {"burst": 2}})
    assert response.status_code == 200 and response.json()["graph"]["burst"] == 2
    statuses = [client.get(GRAPH_USER, token).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert client.admin("GET", "/faults").json()["graph"]["burst"] == 0
    assert [c["fault"] for c in server.calls() if c["service"] == "graph"] == ["burst", "burst", None]


def test_a_service_that_is_down_answers_503_to_everything_and_others_are_unaffected(client, server, ids):
    client.admin("PUT", "/faults", json={"entra": {"down": True}})
    assert client.token_endpoint(grant_type="client_credentials").status_code == 503
    assert client.get(f"/{ids.tenant}/v2.0/.well-known/openid-configuration").status_code == 503
    assert client.get(GRAPH_USER).status_code == 401  # graph is up (and wants a token)


def test_latency_is_applied_and_recorded(client, server, ids):
    server.set_faults({"powerplatform": {"latencyMs": 30}})
    client.get("/powerplatform/licensing/tenantCapacity?api-version=2022-03-01-preview")
    [call] = [c for c in server.calls() if c["service"] == "powerplatform"]
    assert call["delayMs"] == 30


def test_throttled_scenario_throttles_at_its_rates(start_sandbox, make_client):
    server = start_sandbox("throttled")
    client = make_client(server)
    statuses = [client.get(GRAPH_USER).status_code for _ in range(60)]
    assert 8 <= statuses.count(429) <= 30  # 60 x 0.3
    again = make_client(start_sandbox("throttled"))
    assert [again.get(GRAPH_USER).status_code for _ in range(60)] == statuses  # same seed, same fates


def test_invalid_fault_configurations_are_refused_with_the_path(client):
    response = client.admin("PUT", "/faults", json={"graph": {"throttleRate": 2}, "sharepoint": {}})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(e.startswith("$.faults.graph.throttleRate:") for e in errors)
    assert any("sharepoint" in e for e in errors)


def test_scenario_faults_come_back_on_reset(start_sandbox, make_client):
    server = start_sandbox("throttled")
    client = make_client(server)
    client.admin("PUT", "/faults", json={})
    assert client.admin("GET", "/faults").json()["graph"]["throttleRate"] == 0
    client.admin("POST", "/reset")
    assert client.admin("GET", "/faults").json()["graph"]["throttleRate"] == 0.3
