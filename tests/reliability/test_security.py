"""Security: who may confirm, where tokens may go, and that no token is written anywhere.

The host runs with DEBUG logs here, so that every log line the product can write is scanned.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
from typing import Any

import pytest

from tests.e2e.support import OPERATOR, OPERATOR_NAME, easy_auth
from tests.reliability.scenarios import link_targets, many_links
from tests.reliability.stack import (Stack, confirm, drive_to_the_end, history_rows, link_status, wait_finished,
                                     wait_phase)

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
}


def post_review_form(stack: Stack, instance_id: str, headers: dict[str, str]) -> tuple[int, str]:
    """The review page's confirmation form, without following its redirect: (status, Location)."""
    connection = http.client.HTTPConnection("127.0.0.1", stack.host.port, timeout=30)
    try:
        connection.request("POST", f"/api/links/{instance_id}/review",
                           body=f"typedName={OPERATOR_NAME.replace(' ', '+')}&acknowledge=yes",
                           headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
        answer = connection.getresponse()
        return answer.status, answer.getheader("Location") or ""
    finally:
        connection.close()


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
