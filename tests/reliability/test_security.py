"""Security: who may confirm, where tokens may go, and that no token is written anywhere.

The host runs with DEBUG logs here, so that every log line the product can write is scanned.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

from harness.scenarios import link_targets, many_links
from harness.stack import (Stack, confirm, drive_to_the_end, history_rows, link_status, wait_finished,
                           wait_phase)
from tests.e2e.support import OPERATOR, OPERATOR_NAME, easy_auth, is_problem
from tests.reliability.hostile import link_bodies, nested, post_review_form, principal_headers

LINKS = link_targets(3, project_per_link=True)
MALLORY = "mallory@contoso.onmicrosoft.com"
JWT = re.compile(r"eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]*")


def b64(document: Any) -> str:
    return base64.b64encode(json.dumps(document).encode()).decode()


def principal(name: str, **changes: Any) -> dict[str, Any]:
    return {"auth_typ": "aad", "claims": [{"typ": "preferred_username", "val": name}],
            "name_typ": "preferred_username", "role_typ": "roles", **changes}


# name -> (headers, status expected)
REFUSED: dict[str, tuple[dict[str, str], int]] = {
    "no principal": ({}, 401),
    "a principal who is not allowed": (easy_auth(MALLORY), 403),
    "a principal name header alone": ({"X-MS-CLIENT-PRINCIPAL-NAME": OPERATOR}, 403),
    "a principal that is not base64": ({"X-MS-CLIENT-PRINCIPAL": "admin@contoso.onmicrosoft.com",
                                        "X-MS-CLIENT-PRINCIPAL-NAME": OPERATOR}, 403),
    "a principal that is not JSON": ({"X-MS-CLIENT-PRINCIPAL": base64.b64encode(OPERATOR.encode()).decode()}, 403),
    "a principal without claims": ({"X-MS-CLIENT-PRINCIPAL": b64({"auth_typ": "aad", "name": OPERATOR})}, 403),
    "claims that are not a list": ({"X-MS-CLIENT-PRINCIPAL": b64(principal(OPERATOR, claims={
        "preferred_username": OPERATOR}))}, 403),
    "a principal that is a list": ({"X-MS-CLIENT-PRINCIPAL": b64([principal(OPERATOR)])}, 403),
    "a name claim that is not text": ({"X-MS-CLIENT-PRINCIPAL": b64(principal(OPERATOR, claims=[
        {"typ": "preferred_username", "val": ["admin@contoso.onmicrosoft.com"]}]))}, 403),
    "a name header naming someone else": ({"X-MS-CLIENT-PRINCIPAL": b64(principal(MALLORY)),
                                           "X-MS-CLIENT-PRINCIPAL-NAME": OPERATOR}, 403),
    "base64url with the padding cut": ({"X-MS-CLIENT-PRINCIPAL": base64.urlsafe_b64encode(
        json.dumps(principal(OPERATOR)).encode() + b"??>").decode().rstrip("=")}, 403),
    # A principal whose claims are not Easy Auth's shape (and text the strict JSON decoder refuses inside it).
    "name_typ a list": (principal_headers(principal(OPERATOR, name_typ=["preferred_username"])), 403),
    "another identity provider": (principal_headers(principal(OPERATOR, auth_typ="google")), 403),
    "a principal with a byte order mark": (principal_headers(raw=b"\xef\xbb\xbf" + json.dumps(
        principal(OPERATOR)).encode()), 403),
    "a principal in UTF-16": (principal_headers(raw=json.dumps(principal(OPERATOR)).encode("utf-16")), 403),
    "a principal nested a few thousand levels deep": (principal_headers(
        raw=json.dumps(principal(OPERATOR))[:-1].encode() + f', "x": {nested()}}}'.encode()), 403),
    "a principal id header that is not the principal's": (principal_headers(
        **{"X-MS-CLIENT-PRINCIPAL-ID": "00000000-0000-0000-0000-000000000001"}), 403),
    "an identity provider header that is not the principal's": (principal_headers(
        **{"X-MS-CLIENT-PRINCIPAL-IDP": "github"}), 403),
    "two different names": (principal_headers(principal(OPERATOR, claims=[
        {"typ": "preferred_username", "val": OPERATOR}, {"typ": "preferred_username", "val": MALLORY}])), 403),
    "duplicate keys in the principal": (principal_headers(raw=json.dumps(principal(OPERATOR)).replace(
        '"auth_typ": "aad"', '"auth_typ": "google", "auth_typ": "aad"').encode()), 403),
}


@pytest.fixture(scope="module")
def stack(make_stack) -> Stack:
    return make_stack(many_links(len(LINKS), project_per_link=True), devhost_args=("--virtual-time",
                                                                                   "--log-level", "DEBUG"))


@pytest.fixture(scope="module")
def awaiting(stack: Stack) -> str:
    link = LINKS[0]
    stack.host.hold_clock()
    assert stack.host.post("/api/links", link.request()).status == 202
    wait_phase(stack.host, link.instance_id, "AwaitingConfirmation")
    return link.instance_id


@pytest.mark.parametrize("case", REFUSED)
def test_a_confirmation_without_a_valid_allowed_principal_is_refused(stack: Stack, awaiting: str, case: str):
    headers, expected = REFUSED[case]
    answer = stack.host.post(f"/api/links/{awaiting}/confirm", {"typedName": OPERATOR_NAME}, headers=headers)
    assert answer.status == expected, answer.body
    cancel = stack.host.post(f"/api/links/{awaiting}/cancel", {"reason": "no"}, headers=headers)
    assert cancel.status == expected, cancel.body
    status, location = post_review_form(stack, awaiting, headers)
    assert status == 303 and "submitted" not in location, location
    status = link_status(stack.host, awaiting)
    assert status["phase"] == "AwaitingConfirmation" and status["confirmation"]["attempts"] == []
    assert stack.sandbox.setup_starts() == {}


FOREIGN = "https://evil.example"
# name -> (headers a browser on another site would send, besides the operator's session)
CROSS_SITE: dict[str, dict[str, str]] = {
    "a foreign Origin": {"Origin": FOREIGN},
    "a null Origin": {"Origin": "null"},
    "Sec-Fetch-Site cross-site": {"Sec-Fetch-Site": "cross-site", "Origin": FOREIGN},
    "Sec-Fetch-Site same-site": {"Sec-Fetch-Site": "same-site"},
    "a foreign Referer and no Origin": {"Referer": FOREIGN + "/page"},
    "a session cookie and nothing proving the origin": {"Cookie": "AppServiceAuthSession=abc"},
}
# name -> (Content-Type, body) of a JSON route's request sent some other way
NOT_JSON: dict[str, tuple[str, bytes]] = {
    "text/plain": ("text/plain", json.dumps({"typedName": OPERATOR_NAME}).encode()),
    "form-encoded": ("application/x-www-form-urlencoded", b"typedName=Adele+Vance"),
    "JSON in UTF-16": ("application/json; charset=utf-16", json.dumps({"typedName": OPERATOR_NAME}).encode("utf-16")),
    "multipart": ("multipart/form-data; boundary=x", b"--x\r\n\r\nAdele\r\n--x--"),
}


def instance_count(stack: Stack) -> int:
    return len(stack.host.get("/runtime/webhooks/durabletask/instances").json())


def assert_nothing_recorded(stack: Stack, awaiting: str, instances_before: int) -> None:
    assert instance_count(stack) == instances_before
    status = link_status(stack.host, awaiting)
    assert status["phase"] == "AwaitingConfirmation" and status["confirmation"]["attempts"] == []
    assert stack.sandbox.setup_starts() == {}


def post(stack: Stack, path: str, raw: bytes, headers: dict[str, str]):
    return stack.host.request("POST", path, raw=raw, headers=headers)


@pytest.mark.parametrize("case", CROSS_SITE)
def test_a_cross_site_request_is_refused_and_records_nothing(stack: Stack, awaiting: str, case: str):
    before, headers = instance_count(stack), {**easy_auth(OPERATOR), **CROSS_SITE[case]}
    for path, body in ((f"/api/links/{awaiting}/confirm", {"typedName": OPERATOR_NAME}),
                       (f"/api/links/{awaiting}/cancel", {"reason": "no"}),
                       ("/api/links", LINKS[1].request()), ("/api/preflight", LINKS[1].request())):
        answer = post(stack, path, json.dumps(body).encode(), headers)
        assert answer.status == 403 and is_problem(answer), (path, answer.body)
    connection_headers = {k: v for k, v in headers.items() if k != "Sec-Fetch-Site"}
    status, location = post_review_form(stack, awaiting, {"Sec-Fetch-Site": CROSS_SITE[case].get(
        "Sec-Fetch-Site", ""), **connection_headers})
    assert status == 303 and "result=cross-site" in location, location
    assert_nothing_recorded(stack, awaiting, before)


@pytest.mark.parametrize("case", NOT_JSON)
def test_a_json_route_refuses_other_content_types(stack: Stack, awaiting: str, case: str):
    before, (content_type, raw) = instance_count(stack), NOT_JSON[case]
    headers = {**easy_auth(OPERATOR), "Content-Type": content_type}
    for path in (f"/api/links/{awaiting}/confirm", f"/api/links/{awaiting}/cancel", "/api/links", "/api/preflight"):
        answer = post(stack, path, raw, headers)
        assert answer.status == 415 and is_problem(answer), (path, answer.body)
    assert_nothing_recorded(stack, awaiting, before)


@pytest.mark.parametrize("path", ["/api/links", "/api/preflight"])
@pytest.mark.parametrize("case", link_bodies(LINKS[1].request()))
def test_a_hostile_link_request_is_a_400_naming_the_field_and_starts_nothing(stack: Stack, awaiting: str,
                                                                              path: str, case: str):
    before, (raw, field) = instance_count(stack), link_bodies(LINKS[1].request())[case]
    assert len(raw) < 64 * 1024
    answer = post(stack, path, raw, {"Content-Type": "application/json"})
    assert answer.status == 400 and is_problem(answer), answer.body
    assert field in [e["field"] for e in answer.json()["errors"]], answer.json()
    assert_nothing_recorded(stack, awaiting, before)


# name -> (confirm body, the field its refusal must name)
CONFIRM_BODIES: dict[str, tuple[bytes, str]] = {
    "nested a few thousand levels deep": (f'{{"typedName": {nested()}}}'.encode(), "(body)"),
    "typedName twice": (b'{"typedName": "Mallory", "typedName": "Adele Vance"}', "typedName"),
    "typedName with a trailing newline": (json.dumps({"typedName": OPERATOR_NAME + "\n"}).encode(), "typedName"),
    "typedName with a zero-width space": (json.dumps({"typedName": "Adele\u200bVance"}).encode(), "typedName"),
}


@pytest.mark.parametrize("case", CONFIRM_BODIES)
def test_a_hostile_confirmation_is_a_400_naming_the_field_and_records_nothing(stack: Stack, awaiting: str,
                                                                               case: str):
    before, (raw, field) = instance_count(stack), CONFIRM_BODIES[case]
    answer = post(stack, f"/api/links/{awaiting}/confirm", raw,
                  {**easy_auth(OPERATOR), "Content-Type": "application/json"})
    assert answer.status == 400 and is_problem(answer), answer.body
    assert field in [e["field"] for e in answer.json()["errors"]], answer.json()
    assert_nothing_recorded(stack, awaiting, before)


@pytest.mark.parametrize("instance_id", ["%0A", "link-%0D%0Ax", "link-%00", "%E2%80%AE", "..%2F..%2Fadmin",
                                         "link-" + "a" * 5000, "%FF", "link-a98e06c0%20"])
def test_a_hostile_instance_id_in_the_path_is_a_404_never_a_5xx(stack: Stack, awaiting: str, instance_id: str):
    before = instance_count(stack)
    for method, path, body in (("GET", "", None), ("GET", "/review", None),
                               ("POST", "/confirm", {"typedName": OPERATOR_NAME}), ("POST", "/cancel", {})):
        answer = stack.host.request(method, f"/api/links/{instance_id}{path}", body, headers=easy_auth(OPERATOR))
        assert answer.status == 404, (method, path, answer.status, answer.body[:200])
    assert_nothing_recorded(stack, awaiting, before)


def test_the_operator_confirms_and_the_link_is_made(stack: Stack, awaiting: str):
    """After every refusal the right principal still can; this link also feeds the scans below."""
    assert confirm(stack.host, awaiting).status == 202
    stack.host.release_clock()
    assert wait_finished(stack.host, awaiting)["phase"] == "Linked"


@pytest.fixture
def dataverse_off_the_allow_list(stack: Stack):
    """The production default: the sandbox's Dataverse URLs (127.0.0.1) are then off the list."""
    stack.host.env["DATAVERSE_ALLOWED_HOSTS"] = "*.dynamics.com"
    stack.host.restart()
    yield
    stack.host.env["DATAVERSE_ALLOWED_HOSTS"] = "127.0.0.1"
    stack.host.restart()


def test_a_dataverse_url_off_the_allow_list_never_gets_a_token(stack: Stack, dataverse_off_the_allow_list):
    link = LINKS[1]
    stack.recorder.clear()
    status = drive_to_the_end(stack, link)
    assert status["phase"] == "ValidationFailed"
    calls = stack.recorder.snapshot()
    assert [c for c in calls if c.service == "dataverse"] == []
    assert [c.scope for c in calls if c.scope and "/dataverse/" in c.scope] == []
    refused = {c["id"]: c for c in status["checks"] if c["outcome"] == "error"}
    assert "dataverse-system-administrator" in refused and "allow-list" in refused[
        "dataverse-system-administrator"]["detail"], refused


def test_no_token_or_secret_is_written_anywhere(stack: Stack, awaiting: str):
    link = LINKS[2]
    drive_to_the_end(stack, link)  # one more link, on the restarted host: tokens fetched again
    secrets = {t for t in stack.recorder.tokens if len(t) > 20} | {stack.env["AZURE_CLIENT_SECRET"]}
    cache = json.loads(open(stack.env["LCS_TOKEN_CACHE"]).read())
    secrets |= {entry["secret"] for kind in ("AccessToken", "RefreshToken", "IdToken")
                for entry in cache.get(kind, {}).values()}
    assert len(secrets) > 5  # the scan looks for something real: app, LCS and refresh tokens

    places: dict[str, str] = {"devhost log": stack.host.logs()}
    for instance_id in [awaiting, LINKS[1].instance_id, link.instance_id]:
        places[f"status {instance_id}"] = stack.host.get(f"/api/links/{instance_id}").body.decode()
        places[f"review {instance_id}"] = stack.host.get(f"/api/links/{instance_id}/review").body.decode()
        places[f"history {instance_id}"] = stack.host.get(
            f"/runtime/webhooks/durabletask/instances/{instance_id}"
            "?showHistory=true&showHistoryOutput=true&showInput=true").body.decode()
    places["list"] = stack.host.get("/api/links").body.decode()
    places["events"] = "\n".join(stack.drain("link-events"))
    places["stored history"] = "\n".join(history_rows(stack.host.db_path))
    assert len(places["events"]) > 1000 and len(places["stored history"]) > 10_000

    leaks = [(place, secret[:12]) for place, text in places.items() for secret in secrets if secret in text]
    assert leaks == []
    jwt_shaped = [(place, match[:12]) for place, text in places.items() for match in JWT.findall(text)]
    assert jwt_shaped == []
