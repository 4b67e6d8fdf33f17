"""Duplicates and races: ten HTTP starts and five copies of the queue message for one environment,
all at once, make one instance and one setup start."""

from __future__ import annotations

import json
import random
import threading
import time

import pytest

from harness.scenarios import link_targets, many_links
from harness.stack import Stack, confirm, wait_finished, wait_for, wait_phase

ROUNDS = 3
HTTP_STARTS = 10
QUEUE_COPIES = 5
LINKS = link_targets(ROUNDS, project_per_link=True)


@pytest.fixture(scope="module")
def stack(make_stack) -> Stack:
    return make_stack(many_links(ROUNDS, project_per_link=True))


def starts_logged(stack: Stack, instance_id: str) -> int:
    return stack.host.logs().count(f"instance={instance_id} orchestration link_environment: scheduled -> Pending")


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_http_starts_and_queue_copies_make_one_instance_and_one_setup(stack: Stack, seed: int, round_: int):
    link = LINKS[round_]
    rng = random.Random(f"{seed}:duplicates:{round_}")
    # Each sender waits a seeded few milliseconds, so the interleaving differs by round.
    delays = [rng.uniform(0, 0.02) for _ in range(HTTP_STARTS + QUEUE_COPIES)]
    print(f"seed {seed} round {round_}: delays {[round(d, 4) for d in delays]}")
    stack.host.hold_clock()
    requests = stack.queue("link-requests")
    answers: list = []
    go = threading.Event()

    def http_start(delay: float) -> None:
        go.wait(30)
        time.sleep(delay)
        answers.append(stack.host.post("/api/links", link.request()))

    senders = [threading.Thread(target=http_start, args=(d,)) for d in delays[:HTTP_STARTS]]
    for sender in senders:
        sender.start()
    for delay in delays[HTTP_STARTS:]:
        time.sleep(delay / 10)
        requests.send_message(json.dumps(link.request()))
    # The HTTP starts go out the moment the host takes the copies (they turn invisible), so that both
    # ways in race for the instance.
    wait_for(lambda: not requests.peek_messages(max_messages=32), interval=0.001, what="copies taken")
    go.set()
    for sender in senders:
        sender.join(30)
    wait_for(lambda: requests.get_queue_properties().approximate_message_count == 0, what="queue drained")

    codes = sorted(a.status for a in answers)
    assert codes.count(202) <= 1 and set(codes) <= {202, 409}, codes
    assert {a.json()["instanceId"] for a in answers} == {link.instance_id}
    assert starts_logged(stack, link.instance_id) == 1
    assert stack.drain("link-requests-poison") == []

    wait_phase(stack.host, link.instance_id, "AwaitingConfirmation")
    assert confirm(stack.host, link.instance_id).status == 202
    stack.host.release_clock()
    status = wait_finished(stack.host, link.instance_id)
    assert status["phase"] == "Linked", status["outcome"]
    assert stack.sandbox.setup_starts().get(link.lcs_environment) == 1
    assert starts_logged(stack, link.instance_id) == 1
    validating = [e for e in map(json.loads, stack.drain("link-events"))
                  if e["instanceId"] == link.instance_id and e["type"] == "link.validating"]
    assert len(validating) == 1
