"""The task hub's storage full: start and confirm answer 503 with Retry-After
(the review form: back to the page, "try again in a moment") and write nothing; a queued request
waits in its queue; once there is room again, all of it works.

devhost's test hook (POST /admin/devhost/storage {"full": true}) makes every write transaction fail
as SQLite does on a full disk, so the failure is the one the product meets, at a moment the test
chooses.
"""

from __future__ import annotations

import json

import pytest

from harness.scenarios import link_targets, many_links
from harness.stack import Stack, confirm, link_status, wait_finished, wait_for, wait_phase
from tests.e2e.support import OPERATOR, easy_auth, is_problem
from tests.reliability.hostile import post_review_form

LINKS = link_targets(3, project_per_link=True)


@pytest.fixture(scope="module")
def stack(make_stack) -> Stack:
    return make_stack(many_links(len(LINKS), project_per_link=True))


def storage_full(stack: Stack, full: bool) -> None:
    assert stack.host.post("/admin/devhost/storage", {"full": full}).json() == {"full": full}


def assert_unavailable(answer) -> None:
    assert answer.status == 503 and is_problem(answer), answer.body
    assert int(answer.headers["Retry-After"]) > 0


def test_start_and_confirm_answer_503_write_nothing_and_work_again(stack: Stack):
    stack.host.hold_clock()
    waiting, refused = LINKS[0], LINKS[1]
    assert stack.host.post("/api/links", waiting.request()).status == 202
    wait_phase(stack.host, waiting.instance_id, "AwaitingConfirmation")

    storage_full(stack, True)
    try:
        assert_unavailable(stack.host.post("/api/links", refused.request()))
        assert_unavailable(stack.host.post("/api/preflight", refused.request()))
        assert_unavailable(confirm(stack.host, waiting.instance_id))
        status, location = post_review_form(stack, waiting.instance_id, easy_auth(OPERATOR))
        assert status == 303 and "result=failed" in location, location  # "try again in a moment"
        assert_unavailable(stack.host.post(f"/api/links/{waiting.instance_id}/cancel", {"reason": "no"},
                                           headers=easy_auth(OPERATOR)))
        assert link_status(stack.host, refused.instance_id) is None
        status = link_status(stack.host, waiting.instance_id)
        assert status["phase"] == "AwaitingConfirmation" and status["confirmation"]["attempts"] == []
    finally:
        storage_full(stack, False)

    assert stack.host.post("/api/links", refused.request()).status == 202
    assert confirm(stack.host, waiting.instance_id).status == 202
    stack.host.release_clock()
    assert wait_finished(stack.host, waiting.instance_id)["phase"] == "Linked"
    assert stack.sandbox.setup_starts() == {waiting.lcs_environment: 1}


def test_a_queued_request_waits_while_storage_is_full_and_starts_after(stack: Stack):
    link = LINKS[2]
    stack.host.hold_clock()
    storage_full(stack, True)
    try:
        message_id = stack.queue("link-requests").send_message(json.dumps(link.request())).id
        wait_for(lambda: f"message={message_id} dequeueCount=1" in stack.host.logs(), what="a first delivery")
        assert link_status(stack.host, link.instance_id) is None
    finally:
        storage_full(stack, False)
    # Retried by the host after visibilityTimeout (30 s), like any failure that may pass.
    wait_for(lambda: link_status(stack.host, link.instance_id), timeout=120, interval=0.5, what="the retried start")
    assert stack.drain("link-requests-poison") == []
