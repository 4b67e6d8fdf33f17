"""Poison: malformed link-requests messages go to link-requests-poison at once, each with its
reason; nothing starts and the host keeps serving.

Most messages are written as the contract says (base64 of the bytes), so what is malformed is the
content; others are not base64 at all, which the app sees too (host.json messageEncoding none).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from harness.scenarios import link_targets, many_links
from harness.stack import Stack, link_status, wait_for
from tests.reliability.hostile import link_bodies

VALID = link_targets(1, project_per_link=True)[0]


def request(**changes: Any) -> dict[str, Any]:
    body = {**VALID.request(), **changes}
    return {k: v for k, v in body.items() if v is not ...}


def encoded(body: Any) -> bytes:
    return json.dumps(body).encode()


# name -> (raw message bytes, a field the reason must name)
MALFORMED: dict[str, tuple[bytes, str]] = {
    "not JSON": (b"link contoso-uat please", "(message)"),
    "truncated JSON": (b'{"lcsProjectId": 1234567, "lcsEnvironmentId": "a98e', "(message)"),
    "empty": (b"   ", "(message)"),
    "JSON array": (encoded([request()]), "(body)"),
    "JSON string": (encoded(json.dumps(request())), "(body)"),
    "JSON number": (b"1234567", "(body)"),
    "JSON null": (b"null", "(body)"),
    "missing project": (encoded(request(lcsProjectId=...)), "lcsProjectId"),
    "missing LCS environment": (encoded(request(lcsEnvironmentId=...)), "lcsEnvironmentId"),
    "missing target": (encoded(request(powerPlatformEnvironmentId=...)), "powerPlatformEnvironmentId"),
    "missing operator": (encoded(request(operator=...)), "operator"),
    "project as text": (encoded(request(lcsProjectId="1234567")), "lcsProjectId"),
    "project as boolean": (encoded(request(lcsProjectId=True)), "lcsProjectId"),
    "project as fraction": (encoded(request(lcsProjectId=1234567.5)), "lcsProjectId"),
    "project NaN": (encoded(request()).replace(b"3000000", b"NaN"), "lcsProjectId"),
    "project negative": (encoded(request(lcsProjectId=-5)), "lcsProjectId"),
    "environment not a GUID": (encoded(request(lcsEnvironmentId="CONTOSO-UAT")), "lcsEnvironmentId"),
    "target as number": (encoded(request(powerPlatformEnvironmentId=42)), "powerPlatformEnvironmentId"),
    "operator not a UPN": (encoded(request(operator="Adele Vance")), "operator"),
    "operator as object": (encoded(request(operator={"upn": "admin@contoso.onmicrosoft.com"})), "operator"),
    "unknown mode": (encoded(request(setupMode="portal")), "setupMode"),
    "timeout not a duration": (encoded(request(confirmationTimeout="3 days")), "confirmationTimeout"),
    "timeout too long": (encoded(request(confirmationTimeout="P90D")), "confirmationTimeout"),
    "misspelt field": (encoded({**request(), "lcsProjectID": 1}), "lcsProjectID"),
    "correlation id too long": (encoded(request(correlationId="x" * 201)), "correlationId"),
    "huge": (encoded(request(correlationId="x" * 44_000)), "correlationId"),
    "UTF-16": (json.dumps(request()).encode("utf-16"), "(message)"),
    "Latin-1": (json.dumps(request(correlationId="Adèle Vance"), ensure_ascii=False).encode("latin-1"), "(message)"),
    # What the strict decoder refuses: nesting, duplicate keys, byte order marks, ids and text with control characters.
    **{name: (body, "(message)" if field == "(body)" else field)
       for name, (body, field) in link_bodies(request()).items()},
}
# Messages that are not base64 at all: name -> (message text, a field the reason must name)
NOT_BASE64: dict[str, tuple[str, str]] = {
    "plain words": ("link contoso-uat please!", "(message)"),
    "JSON text, invalid": (json.dumps(request(operator="Adele Vance")), "operator"),
    "JSON text, nested deep": ('{"lcsProjectId": ' + "[" * 5000 + "]" * 5000 + "}", "(message)"),
    "almost base64": ("eyJsY3NQcm9qZWN0SWQiOiAx*", "(message)"),
}


@pytest.fixture(scope="module")
def stack(make_stack) -> Stack:
    return make_stack(many_links(2, project_per_link=True))


@pytest.fixture(scope="module")
def poisoned(stack: Stack) -> dict[str, tuple[str, dict[str, Any] | None]]:
    """Sends every malformed message; returns name -> (message id, its poison document)."""
    raw = stack.queue("link-requests", encoded=False)
    sent = {name: raw.send_message(base64.b64encode(body).decode()).id for name, (body, _) in MALFORMED.items()}
    sent.update({name: raw.send_message(text).id for name, (text, _) in NOT_BASE64.items()})
    wait_for(lambda: raw.get_queue_properties().approximate_message_count == 0, timeout=60, what="requests taken")
    documents = [json.loads(m) for m in stack.drain("link-requests-poison")]
    by_id = {d.get("messageId"): d for d in documents}
    return {name: (message_id, by_id.get(message_id)) for name, message_id in sent.items()}


def test_there_are_at_least_twenty_kinds():
    assert len(MALFORMED) >= 20


@pytest.mark.parametrize("name", [*MALFORMED, *NOT_BASE64])
def test_a_malformed_message_is_poisoned_at_once_with_its_reason(stack: Stack, poisoned, name: str):
    body, field = MALFORMED[name] if name in MALFORMED else (NOT_BASE64[name][0].encode(), NOT_BASE64[name][1])
    message_id, document = poisoned[name]
    assert document is not None, f"{name}: no poison document for message {message_id}"
    assert document["reason"] and field in [e["field"] for e in document["errors"]], document["errors"]
    text, quoted = body.decode("utf-8", errors="replace"), document["originalMessage"]
    assert quoted == text or (document["originalTruncated"] and text.startswith(quoted) and len(quoted) > 1000)
    # Poisoned by the app on the first delivery, not by the host after maxDequeueCount failures.
    logs = stack.host.logs()
    assert f"message={message_id} dequeueCount=1" in logs
    assert f"message {message_id} moved to" not in logs


def test_nothing_started_and_the_host_keeps_serving(stack: Stack, poisoned):
    assert stack.recorder.snapshot() == [] and stack.sandbox.setup_starts() == {}
    assert stack.host.get("/api/links").json()["items"] == []
    assert stack.drain("link-events") == []
    assert stack.host.get("/api/health").status == 200
    stack.host.hold_clock()
    stack.queue("link-requests").send_message(json.dumps(VALID.request()))
    started = wait_for(lambda: link_status(stack.host, VALID.instance_id), what="the valid request started")
    assert started["phase"] in ("Validating", "AwaitingConfirmation")
    assert stack.drain("link-requests-poison") == []


def test_a_valid_request_sent_as_json_text_starts_a_run(stack: Stack, poisoned):
    """Not base64, but a valid link request: the app takes it (the contract's base64 still works)."""
    link = link_targets(2, project_per_link=True)[1]
    stack.host.hold_clock()
    stack.queue("link-requests", encoded=False).send_message(json.dumps(link.request()))
    started = wait_for(lambda: link_status(stack.host, link.instance_id), what="the JSON-text request started")
    assert (started.get("request") or {}).get("lcsEnvironmentId") == link.lcs_environment, started
    assert stack.drain("link-requests-poison") == []


def test_a_message_of_accented_text_is_poisoned_at_once_with_its_reason(make_stack):
    own = make_stack(many_links(1, project_per_link=True))  # its failed delivery must not linger elsewhere
    body = json.dumps({**VALID.request(), "remarque": "é" * 10_000}, ensure_ascii=False).encode()
    assert len(base64.b64encode(body)) < 64 * 1024  # the queue takes it
    message_id = own.queue("link-requests", encoded=False).send_message(base64.b64encode(body).decode()).id

    def poison_document() -> dict[str, Any] | None:
        documents = [json.loads(m) for m in own.drain("link-requests-poison")]
        return next((d for d in documents if d.get("messageId") == message_id), None)
    # Poisoned documents of the other kinds appear within a second or two.
    document = wait_for(poison_document, timeout=10, interval=0.5, what="a poison document with the reason")
    assert "remarque" in [e["field"] for e in document["errors"]]
