"""The review routes' glue: what they pass to the link actions (triggers.link_actions) and what they answer.

triggers.link_actions is replaced by recording fakes; the rendering itself is tested elsewhere.
"""
import asyncio
import json
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import azure.functions as func
import pytest

from tests.webui.support import parse, provisioning_status, status

from triggers import review
from triggers import review_pages as pages

URL = "http://127.0.0.1:7071/api/links/link-a/review"
# What a browser sends with the page's own form post (fetch metadata included).
FORM = {"content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin"}
CLIENT = object()


@dataclass
class Result:
    status_code: int
    problem: dict | None = None


class Actions:
    """Stands in for triggers.link_actions, recording the calls."""

    def __init__(self, doc, result=Result(202)):
        self.doc, self.result, self.submitted = doc, result, []

    async def load_status(self, client, instance_id, base_url):
        assert client is CLIENT and base_url == "http://127.0.0.1:7071"
        return self.doc if instance_id == "link-a" else None

    async def submit_confirmation(self, client, instance_id, typed_name, headers, base_url):
        assert base_url == "http://127.0.0.1:7071"
        self.submitted.append((instance_id, typed_name, headers))
        return self.result


@pytest.fixture
def actions(monkeypatch):
    fake = Actions(status())
    monkeypatch.setattr(pages, "load_status", fake.load_status)
    monkeypatch.setattr(pages, "submit_confirmation", fake.submit_confirmation)
    monkeypatch.setattr(pages, "base_url_of", lambda req: "http://127.0.0.1:7071")
    return fake


def request(method="GET", instance="link-a", params=None, headers=None, body=b""):
    return func.HttpRequest(method=method, url=f"http://127.0.0.1:7071/api/links/{instance}/review",
                            headers=headers or {}, params=params or {},
                            route_params={"instanceId": instance}, body=body)


def post(body: bytes, headers=None):
    return asyncio.run(pages.submit_review(request("POST", headers={**FORM, **(headers or {})}, body=body), CLIENT))


def location(response):
    target = urlsplit(response.headers["Location"])
    return target.path, {k: v[0] for k, v in parse_qs(target.query).items()}


def test_get_renders_the_page_with_security_headers(actions):
    response = asyncio.run(pages.show_review(request(), CLIENT))
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    page = parse(response.get_body().decode())
    assert page.one("form").attrs["action"] == "/api/links/link-a/review"


def test_get_unknown_run_is_a_404_page(actions):
    response = asyncio.run(pages.show_review(request(instance="link-zzz"), CLIENT))
    assert response.status_code == 404 and "No such run" in response.get_body().decode()


def test_get_shows_the_message_for_a_refusal_code(actions):
    response = asyncio.run(pages.show_review(request(params={"result": "forbidden"}), CLIENT))
    assert "only the operator or a listed confirmer" in response.get_body().decode()


def test_post_confirms_through_the_link_actions_with_the_request_headers(actions):
    response = post(b"typedName=Adele+Vance&acknowledge=yes", {"X-MS-CLIENT-PRINCIPAL-NAME": "adele@contoso.com"})
    assert response.status_code == 303
    assert location(response) == ("/api/links/link-a/review", {"submitted": "0@"})
    [(instance_id, typed_name, headers)] = actions.submitted
    assert (instance_id, typed_name) == ("link-a", "Adele Vance")
    assert headers.get("X-MS-CLIENT-PRINCIPAL-NAME") == "adele@contoso.com"


def test_post_marks_the_attempts_recorded_before_it(actions):
    actions.doc = provisioning_status()  # one attempt on record
    assert location(post(b"typedName=x&acknowledge=yes"))[1] == {"submitted": "1@2025-03-01T10:05:00Z"}


@pytest.mark.parametrize("code, refusal", [(400, "invalid"), (401, "unauthenticated"), (403, "forbidden"),
                                           (404, "not-found"), (409, "conflict"), (500, "failed")])
def test_post_refusals_redirect_with_a_fixed_code(actions, code, refusal):
    actions.result = Result(code, {"title": "<b>free text never travels</b>"})
    response = post(b"typedName=Adele&acknowledge=yes")
    assert response.status_code == 303 and location(response)[1] == {"result": refusal}


@pytest.mark.parametrize("body, headers, refusal", [
    (b"typedName=Adele", {}, "acknowledge"),
    (b"typedName=Adele&acknowledge=yes", {"content-type": "application/json"}, "invalid"),
    (b"typedName=%FF%FE&acknowledge=yes", {}, "invalid"),
    (b"&".join([b"a=1"] * 20) + b"&typedName=A&acknowledge=yes", {}, "invalid"),
    (b"typedName=Adele&acknowledge=yes", {"sec-fetch-site": "cross-site"}, "cross-site"),
    (b"typedName=Adele&acknowledge=yes", {"sec-fetch-site": "same-site"}, "cross-site"),
    (b"typedName=Adele&acknowledge=yes", {"sec-fetch-site": "", "origin": "https://evil.example"}, "cross-site"),
    (b"typedName=Adele&acknowledge=yes", {"sec-fetch-site": "", "origin": "null"}, "cross-site"),
    (b"typedName=Adele&acknowledge=yes", {"sec-fetch-site": "", "referer": "https://evil.example/x"}, "cross-site"),
    (b"typedName=Adele&acknowledge=yes", {"sec-fetch-site": ""}, "cross-site"),  # nothing proves its origin
    (b"typedName=Adele%0A&acknowledge=yes", {}, "invalid"),
    (b"typedName=Adele%E2%80%AE&acknowledge=yes", {}, "invalid"),  # a right-to-left override
])
def test_post_is_refused_before_confirming(actions, body, headers, refusal):
    response = post(body, headers)
    assert location(response)[1] == {"result": refusal}
    assert actions.submitted == []


@pytest.mark.parametrize("proof", [{"origin": "http://127.0.0.1:7071"},
                                   {"referer": "http://127.0.0.1:7071/api/links/link-a/review"}])
def test_post_without_fetch_metadata_is_taken_when_origin_or_referer_is_the_app(actions, proof):
    response = post(b"typedName=Adele&acknowledge=yes", {"sec-fetch-site": "", **proof})
    assert "submitted" in location(response)[1] and len(actions.submitted) == 1


def test_post_for_an_unknown_run_does_not_confirm(actions):
    response = asyncio.run(pages.submit_review(
        request("POST", instance="link-zzz", headers=FORM, body=b"typedName=A&acknowledge=yes"), CLIENT))
    assert location(response)[1] == {"result": "not-found"} and actions.submitted == []


def test_openapi_document_is_served_from_the_repository_file():
    response = review.openapi_document.build().get_user_function()(request(instance="x"))
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert json.loads(response.get_body()) == json.loads(review.OPENAPI_PATH.read_text())


def test_post_while_the_task_hub_fails_goes_back_to_the_page_saying_try_again(actions, monkeypatch):
    from triggers.task_hub import TaskHubUnavailable

    async def failing(*args, **kwargs):
        raise TaskHubUnavailable("the task hub answered 500")
    monkeypatch.setattr(pages, "submit_confirmation", failing)
    response = post(b"typedName=Adele&acknowledge=yes")
    assert response.status_code == 303 and location(response)[1] == {"result": "failed"}
