"""Link requests from the link-requests queue: started once, duplicates ignored, bad ones poisoned."""

from __future__ import annotations

import json

import pytest

from tests.e2e.support import INSTANCE, LCS_ENV, OPERATOR_NAME, link_request

pytestmark = pytest.mark.e2e


def test_a_queued_request_starts_one_link_however_often_it_is_sent(driver):
    driver.host.hold_clock()
    requests = driver.queue("link-requests")
    sent = [requests.send_message(json.dumps(link_request(correlationId="erp-4711"))).id for _ in range(3)]
    driver.started.add(INSTANCE)
    waiting = driver.wait_phase("AwaitingConfirmation")
    assert waiting["request"]["correlationId"] == "erp-4711"
    # The audit's requester: the one copy that started the run, by its message id.
    assert waiting["requestedBy"]["channel"] == "queue" and waiting["requestedBy"]["messageId"] in sent
    # Every copy was taken off the queue (the count includes messages being processed).
    driver.host.wait_until(lambda: requests.get_queue_properties().approximate_message_count == 0, timeout=30)
    links = driver.host.get("/api/links").json()["items"]
    assert [item["instanceId"] for item in links] == [INSTANCE]
    driver.confirm(OPERATOR_NAME)
    driver.host.release_clock()
    assert driver.wait_phase("Linked", "Failed")["phase"] == "Linked"
    assert driver.setup_starts() == 1
    assert driver.messages("link-requests-poison") == []


@pytest.mark.parametrize("raw, field", [
    ("not json at all", "(message)"),
    (json.dumps({**link_request(), "lcsProjectId": "1234567"}), "lcsProjectId"),
    (json.dumps({**link_request(), "setupMode": "clicky"}), "setupMode"),
    (json.dumps([link_request()]), "(body)"),
])
def test_a_message_that_can_never_be_valid_is_poisoned_at_once_with_its_reason(driver, raw, field):
    driver.queue("link-requests").send_message(raw)
    poisoned = driver.host.wait_until(lambda: driver.messages("link-requests-poison"), timeout=30)
    assert len(poisoned) == 1
    assert field in [e["field"] for e in poisoned[0]["errors"]] and poisoned[0]["reason"]
    assert poisoned[0]["originalMessage"] == raw
    assert driver.host.get(f"/api/links/link-{LCS_ENV}").status == 404
    assert driver.host.get("/api/health").status == 200
