"""The shared HTTP policy against a scripted local HTTPS server (no sandbox needed)."""

from __future__ import annotations

import email.utils
import socket

import pytest

from services.errors import (
    HostNotAllowed,
    NotFound,
    PermissionDenied,
    ServiceError,
    ServiceUnavailable,
    Throttled,
)
from services.http import HostAllowList, HttpPolicy
from services.retry import parse_retry_after
from tests.services.support import RecordingSleep, Reply, ScriptedServer

TOKEN = "eyJhbGciOiJub25lIn0.eyJzZWNyZXQiOiJ5ZXMifQ.c2lnbmF0dXJl"
OK = Reply(200, {"value": "ok"})


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory):
    s = ScriptedServer(tmp_path_factory.mktemp("tls"))
    yield s
    s.stop()


@pytest.fixture
def server(shared_server):
    shared_server.reset()
    return shared_server


@pytest.fixture
def sleep():
    return RecordingSleep()


class TokenSource:
    def __init__(self):
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return TOKEN


def make_http(server, sleep, *, retries=3, rng=lambda: 0.0, timeout=5.0, hosts=("127.0.0.1",), token=None):
    policy = HttpPolicy(timeout=timeout, max_retries=retries, ca_bundle=server.ca_path,
                        sleep=sleep, clock=sleep.clock, rng=rng)
    return policy.service("graph", HostAllowList(hosts, "GRAPH_ALLOWED_HOSTS"), token or TokenSource(),
                          headers={"ConsistencyLevel": "eventual"})


def test_success_sends_bearer_and_service_headers(server, sleep):
    server.on("/v1.0/me", OK)
    http = make_http(server, sleep)
    assert http.get_json("get_me", server.base_url + "/v1.0/me") == {"value": "ok"}
    (seen,) = server.calls("/v1.0/me")
    assert seen.headers["Authorization"] == f"Bearer {TOKEN}"
    assert seen.headers["Consistencylevel"] == "eventual"
    assert sleep.waits == []


def test_fractional_retry_after_is_waited_through_the_injected_sleep(server, sleep):
    # Graph's published throttling sample sends Retry-After: 2.128 (fixture graph/throttling_429.json).
    server.on("/t", Reply(429, {"error": {"code": "TooManyRequests"}}, {"Retry-After": "2.128"}), OK)
    assert make_http(server, sleep).get_json("op", server.base_url + "/t") == {"value": "ok"}
    assert sleep.waits == [2.128]
    assert len(server.calls("/t")) == 2


def test_retry_after_as_http_date_is_measured_on_the_injected_clock(server, sleep):
    when = email.utils.formatdate(sleep.now + 7, usegmt=True)
    server.on("/t", Reply(503, {}, {"Retry-After": when}), OK)
    make_http(server, sleep).get_json("op", server.base_url + "/t")
    assert sleep.waits == [7.0]


def test_5xx_without_retry_after_backs_off_exponentially_with_jitter(server, sleep):
    server.on("/t", Reply(500), Reply(502), Reply(504), OK)
    make_http(server, sleep, rng=lambda: 1.0).get_json("op", server.base_url + "/t")
    assert sleep.waits == [0.75, 1.5, 3.0]  # 0.5 * 2^n, plus up to 50 % jitter (rng at its maximum)


def test_jitter_spreads_the_wait(server, sleep):
    server.on("/t", Reply(503), OK)
    make_http(server, sleep, rng=lambda: 0.0).get_json("op", server.base_url + "/t")
    assert sleep.waits == [0.5]


def test_5xx_until_retries_run_out_raises_service_unavailable(server, sleep):
    server.on("/t", Reply(503, {"error": {"code": "ServerBusy", "message": "try later"}}))
    with pytest.raises(ServiceUnavailable) as caught:
        make_http(server, sleep, retries=2).get_json("op", server.base_url + "/t")
    assert len(server.calls("/t")) == 3
    assert (caught.value.status, caught.value.code, caught.value.message) == (503, "ServerBusy", "try later")


def test_throttled_after_retries_carries_retry_after(server, sleep):
    server.on("/t", Reply(429, {"error": {"code": "TooManyRequests", "message": "slow down"}},
                          {"Retry-After": "1"}))
    with pytest.raises(Throttled) as caught:
        make_http(server, sleep, retries=2).get_json("op", server.base_url + "/t")
    assert sleep.waits == [1.0, 1.0]
    assert caught.value.retry_after == 1.0
    assert caught.value.to_dict()["code"] == "TooManyRequests"


def test_a_retry_after_too_long_to_wait_in_one_call_is_returned_not_slept(server, sleep):
    server.on("/t", Reply(429, {}, {"Retry-After": "3600"}), OK)
    with pytest.raises(Throttled) as caught:
        make_http(server, sleep).get_json("op", server.base_url + "/t")
    assert sleep.waits == []
    assert caught.value.retry_after == 3600.0
    assert len(server.calls("/t")) == 1


@pytest.mark.parametrize("status", [400, 409, 422])
def test_permanent_4xx_is_not_retried_and_keeps_the_service_code(server, sleep, status):
    server.on("/t", Reply(status, {"error": {"code": "0x80040265", "message": "Example Error Message."}}), OK)
    with pytest.raises(ServiceError) as caught:
        make_http(server, sleep).get_json("op", server.base_url + "/t")
    assert type(caught.value) is ServiceError
    assert len(server.calls("/t")) == 1
    assert sleep.waits == []
    assert caught.value.to_dict() == {"service": "graph", "operation": "op", "status": status,
                                      "code": "0x80040265", "message": "Example Error Message."}


def test_404_and_403_map_to_their_types(server, sleep):
    server.on("/missing", Reply(404, {"error": {"code": "Request_ResourceNotFound", "message": "gone"}}))
    server.on("/denied", Reply(403, {"error": {"code": "Authorization_RequestDenied", "message": "no"}}))
    http = make_http(server, sleep)
    with pytest.raises(NotFound) as missing:
        http.get_json("get_user", server.base_url + "/missing")
    with pytest.raises(PermissionDenied):
        http.get_json("get_user", server.base_url + "/denied")
    assert str(missing.value) == "graph get_user: HTTP 404 Not Found (code Request_ResourceNotFound): gone"


def test_mutating_call_is_never_retried(server, sleep):
    server.on("/setup", Reply(503, {}, {"Retry-After": "1"}), OK)
    with pytest.raises(ServiceUnavailable):
        make_http(server, sleep).post_json("start_setup", server.base_url + "/setup", json={}, idempotent=False)
    assert len(server.calls("/setup")) == 1
    assert sleep.waits == []


def test_read_only_post_is_retried(server, sleep):
    server.on("/listTenantSettings", Reply(503), OK)
    result = make_http(server, sleep).post_json("list", server.base_url + "/listTenantSettings", idempotent=True)
    assert result == {"value": "ok"}
    assert len(server.calls("/listTenantSettings")) == 2


def test_token_is_neither_requested_nor_sent_for_a_host_off_the_allow_list(server, sleep):
    token = TokenSource()
    http = make_http(server, sleep, hosts=("graph.microsoft.com",), token=token)
    with pytest.raises(HostNotAllowed) as caught:
        http.get_json("op", server.base_url + "/t")
    assert token.calls == 0
    assert server.seen == []
    assert caught.value.host == "127.0.0.1"
    assert "GRAPH_ALLOWED_HOSTS" in str(caught.value)


def test_token_never_goes_over_plain_http(server, sleep):
    token = TokenSource()
    with pytest.raises(HostNotAllowed):
        make_http(server, sleep, token=token).get_json("op", server.base_url.replace("https", "http") + "/t")
    assert token.calls == 0


def test_redirects_are_not_followed(server, sleep):
    server.on("/moved", Reply(302, {}, {"Location": server.base_url + "/elsewhere"}))
    with pytest.raises(ServiceError) as caught:
        make_http(server, sleep).get_json("op", server.base_url + "/moved")
    assert caught.value.status == 302
    assert server.calls("/elsewhere") == []


def test_errors_never_carry_the_token(server, sleep):
    # A misbehaving service echoing the Authorization header back must not leak it into reports.
    server.on("/echo", Reply(400, {"error": {"code": "Bad", "message": f"header was Bearer {TOKEN}"}}))
    with pytest.raises(ServiceError) as caught:
        make_http(server, sleep).get_json("op", server.base_url + "/echo")
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(caught.value.to_dict())


def test_timeout_becomes_service_unavailable(server, sleep):
    server.on("/slow", Reply(200, {}, delay=5))
    with pytest.raises(ServiceUnavailable) as caught:
        make_http(server, sleep, retries=0, timeout=0.2).get_json("op", server.base_url + "/slow")
    assert caught.value.code == "Timeout"


def test_connection_refused_becomes_service_unavailable(server, sleep):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        url = f"https://127.0.0.1:{probe.getsockname()[1]}/t"
    with pytest.raises(ServiceUnavailable) as caught:
        make_http(server, sleep, retries=0).get_json("op", url)
    assert caught.value.code == "ConnectionFailed"


def test_our_ca_bundle_wins_over_requests_ca_bundle(server, sleep, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    server.on("/t", OK)
    assert make_http(server, sleep).get_json("op", server.base_url + "/t") == {"value": "ok"}


def test_paging_follows_next_link_and_keeps_headers(server, sleep):
    server.on("/items", Reply(200, {"value": [{"n": 1}], "@odata.nextLink": server.base_url + "/items2?$skiptoken=x"}))
    server.on("/items2", Reply(200, {"value": [{"n": 2}]}))
    http = make_http(server, sleep)
    items = list(http.get_items("op", server.base_url + "/items", headers={"Prefer": "odata.maxpagesize=1"}))
    assert items == [{"n": 1}, {"n": 2}]
    assert server.calls("/items2")[0].headers["Prefer"] == "odata.maxpagesize=1"


def test_next_link_to_a_foreign_host_gets_no_token(server, sleep):
    server.on("/items", Reply(200, {"value": [], "@odata.nextLink": "https://evil.example.com/steal"}))
    with pytest.raises(HostNotAllowed):
        list(make_http(server, sleep).get_items("op", server.base_url + "/items"))


@pytest.mark.parametrize("host, allowed", [
    ("org.crm4.dynamics.com", True),
    ("ORG.CRM.DYNAMICS.COM.", True),
    ("dynamics.com", False),
    ("evildynamics.com", False),
    ("org.crm.dynamics.com.evil.net", False),
    ("", False),
])
def test_wildcard_allow_list(host, allowed):
    assert HostAllowList(("*.dynamics.com",), "DATAVERSE_ALLOWED_HOSTS").allows(host) is allowed


def test_exact_allow_list_entry():
    hosts = HostAllowList(("graph.microsoft.com",), "GRAPH_ALLOWED_HOSTS")
    assert hosts.allows("graph.microsoft.com")
    assert not hosts.allows("x.graph.microsoft.com")


@pytest.mark.parametrize("value, seconds", [("2.128", 2.128), ("0", 0.0), (" 30 ", 30.0),
                                            ("Tue, 14 Nov 2023 22:13:30 GMT", 10.0),
                                            ("Tue, 14 Nov 2023 22:13:00 GMT", 0.0)])
def test_parse_retry_after(value, seconds):
    assert parse_retry_after(value, clock=lambda: 1_700_000_000.0) == pytest.approx(seconds)


def test_unreadable_retry_after_is_rejected():
    with pytest.raises(ValueError):
        parse_retry_after("soon")


def test_before_retry_hook_sees_every_retry(server, sleep):
    # The LCS client counts retried metadata calls against its per-project limit through this hook.
    server.on("/environmentinfo/v1/detail/project/7/", Reply(503), Reply(503), OK)
    policy = HttpPolicy(max_retries=3, ca_bundle=server.ca_path, sleep=sleep, clock=sleep.clock, rng=lambda: 0.0)
    retried: list[str] = []
    http = policy.service("lcs", HostAllowList(("127.0.0.1",), "LCS_ALLOWED_HOSTS"), TokenSource(),
                          before_retry=retried.append)
    http.get_json("get_environment", server.base_url + "/environmentinfo/v1/detail/project/7/",
                  params={"environmentId": "x"})
    assert retried == ["/environmentinfo/v1/detail/project/7/?environmentId=x"] * 2
