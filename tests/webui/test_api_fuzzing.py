"""Schemathesis against the real app on devhost, driven by the OpenAPI description the app serves:
no generated input, valid or not, gets a 5xx, and every answer is one the description allows."""
import json
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance,
)

from cli.client import easy_auth_headers
from tests.cli.stack import INSTANCE, LCS_ENV, OPERATOR, PROJECT, TARGET
from tests.triggers.test_hostile_fuzz import mutated_requests, parse, serialised
from tests.webui.test_openapi import schema_validator

pytestmark = pytest.mark.e2e
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def api_schema(stack):
    # One real run first, so generated requests for existing ids meet a live instance as well.
    requests.post(f"{stack.url}/api/links", timeout=30, json={
        "lcsProjectId": PROJECT, "lcsEnvironmentId": LCS_ENV, "powerPlatformEnvironmentId": TARGET,
        "operator": OPERATOR}).raise_for_status()
    return schemathesis.openapi.from_url(f"{stack.url}/api/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_answers_as_described(case):
    case.call_and_validate(checks=CHECKS, timeout=60)


@schema.include(method="POST", path_regex="review$").parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_review_form_as_a_signed_in_browser_posts_it(case):
    """The form's own parsing, reached with what a browser adds (fetch metadata, the session)."""
    headers = {"Sec-Fetch-Site": "same-origin", **easy_auth_headers(OPERATOR), **(case.headers or {})}
    case.call_and_validate(headers=headers, checks=CHECKS, timeout=60)


# Content types a JSON route must answer 415 to, and how a body is written in each.
NOT_JSON = {
    "text/plain": lambda body: json.dumps(body),
    "text/plain; charset=utf-8": lambda body: json.dumps(body),
    "application/x-www-form-urlencoded": lambda body: "typedName=Adele+Vance&operator=x",
    "multipart/form-data; boundary=b": lambda body: "--b\r\n\r\n" + json.dumps(body) + "\r\n--b--",
    "application/json; charset=utf-16": lambda body: json.dumps(body).encode("utf-16"),
    "application/octet-stream": lambda body: json.dumps(body).encode(),
}


@schema.include(method="POST").exclude(path_regex="review$").parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_json_routes_answer_415_to_any_other_content_type(case, stack):
    """Every generated body, sent as something other than JSON: refused before it is read."""
    documented = case.operation.definition.raw["responses"]
    for content_type, write in NOT_JSON.items():
        answer = requests.post(f"{stack.url}{case.formatted_path}", params=case.query, timeout=60,
                               data=write(case.body if isinstance(case.body, (dict, list, str)) else {}),
                               headers={**(case.headers or {}), "Content-Type": content_type})
        assert answer.status_code == 415 and "415" in documented, (content_type, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=mutated_requests().map(serialised) | st.binary(max_size=200))
def test_no_invalid_link_request_starts_a_run(stack, raw):
    """The parser's verdict is the oracle: what it refuses, the real route refuses, creating nothing."""
    try:
        parse(raw)
    except ValueError:
        valid = False
    else:
        valid = True
    before = len(stack.host.get("/runtime/webhooks/durabletask/instances").json())
    answer = requests.post(f"{stack.url}/api/links", data=raw, timeout=60,
                           headers={"Content-Type": "application/json"})
    assert answer.status_code < 500, answer.text
    if not valid:
        assert answer.status_code == 400 and answer.json()["errors"], answer.text
        assert len(stack.host.get("/runtime/webhooks/durabletask/instances").json()) == before


def test_the_served_description_is_the_repository_file(stack):
    served = requests.get(f"{stack.url}/api/openapi.json", timeout=10)
    assert served.status_code == 200 and served.headers["content-type"].startswith("application/json")
    assert served.json() == json.loads((Path(__file__).resolve().parents[2] / "openapi.json").read_text())


def test_a_real_status_document_matches_its_schema(stack):
    answer = requests.get(f"{stack.url}/api/links/{INSTANCE}", timeout=10)
    assert answer.status_code == 200
    schema_validator("StatusDocument").validate(answer.json())


@pytest.mark.parametrize("path", ["/api/links", "/api/preflight"])
@pytest.mark.parametrize("duration", ["P154791243WT020H", "PT99999999999999999999S", "P9999999999D"])
def test_durations_too_large_for_any_clock_are_bad_requests(stack, path, duration):
    """Found by the test above: a duration beyond what datetime can hold must be a 400, not a 500."""
    answer = requests.post(f"{stack.url}{path}", timeout=30, json={
        "lcsProjectId": PROJECT, "lcsEnvironmentId": LCS_ENV, "powerPlatformEnvironmentId": TARGET,
        "operator": OPERATOR, "confirmationTimeout": duration})
    assert answer.status_code == 400, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["confirmationTimeout"]
