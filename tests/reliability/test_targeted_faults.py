"""Faults aimed at one step, each the deterministic form of a way a link fails in the storm
(test_throttle_storm) or when Entra misbehaves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from harness.recorder import Call
from harness.scenarios import link_targets, many_links
from harness.stack import Stack, confirm, drive_to_the_end, wait_finished, wait_phase

LINKS = link_targets(4, project_per_link=True)
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
LCS_SCOPE = "https://lcsapi.lcs.dynamics.com//.default"


@pytest.fixture(scope="module")
def stack(make_stack) -> Stack:
    return make_stack(many_links(len(LINKS), project_per_link=True))


@pytest.fixture
def fresh_host(stack: Stack):
    """A host process with no token cached yet; the recorder's hooks are removed afterwards."""
    stack.host.restart()
    stack.recorder.clear()
    yield stack
    stack.recorder.before = None
    stack.sandbox.set_faults({"lcs": {"metadataCallsPerMinute": 0}})


def test_a_throttled_setup_call_is_tried_again_after_its_retry_after(fresh_host: Stack):
    stack, link = fresh_host, LINKS[0]
    stack.host.hold_clock()
    assert stack.host.post("/api/links", link.request()).status == 202
    wait_phase(stack.host, link.instance_id, "AwaitingConfirmation")
    throttled_until = stack.sandbox.clock.now() + timedelta(minutes=10)
    stack.sandbox.set_faults({"lcs": {"throttleRate": 1.0, "retryAfterSeconds": 120, "metadataCallsPerMinute": 0}})

    def lift(call: Call) -> None:
        if stack.sandbox.clock.now() >= throttled_until:
            stack.sandbox.set_faults({"lcs": {"metadataCallsPerMinute": 0}})
    stack.recorder.before = lift
    assert confirm(stack.host, link.instance_id).status == 202
    stack.host.release_clock()
    status = wait_finished(stack.host, link.instance_id)
    assert (status["phase"], stack.sandbox.setup_starts().get(link.lcs_environment)) == ("Linked", 1), \
        status["outcome"]


def test_token_requests_get_the_same_retry_budget_as_other_calls(fresh_host: Stack):
    stack, link = fresh_host, LINKS[1]
    stack.sandbox.set_faults({"lcs": {"metadataCallsPerMinute": 0}, "keyed": {"entra.token": {
        GRAPH_SCOPE: {"status": 429, "times": 4, "retryAfterSeconds": 1}}}})  # Entra's "server is busy"
    status = drive_to_the_end(stack, link)
    graph_tokens = [c.status for c in stack.recorder.snapshot() if c.scope == GRAPH_SCOPE]
    assert graph_tokens[:5] == [429, 429, 429, 429, 200], graph_tokens
    assert status["phase"] == "Linked", [c["detail"] for c in status["checks"] if c["outcome"] == "error"]


def test_an_unreachable_sign_in_service_makes_checks_error_not_the_run_fail(fresh_host: Stack):
    stack, link = fresh_host, LINKS[2]
    # A short Retry-After keeps the retries of every token request quick.
    stack.sandbox.set_faults({"lcs": {"metadataCallsPerMinute": 0},
                              "keyed": {"entra": {"*": {"status": 503, "retryAfterSeconds": 0.1}}}})
    status = drive_to_the_end(stack, link)
    assert status["phase"] == "ValidationFailed", status["outcome"]
    lcs = [c for c in status["checks"] if c["id"] == "lcs-project-access"]
    assert lcs and lcs[0]["outcome"] == "error", lcs


def test_an_lcs_token_renewal_gets_the_same_retry_budget_as_other_calls(make_stack):
    """LCS access tokens that need renewing (a short lifetime here), and the sign-in service busy for
    the first renewal: it must be tried again after its Retry-After, like any other call."""
    scenario = many_links(1, project_per_link=True)
    scenario["signIn"] = {"upn": "admin@contoso.onmicrosoft.com", "accessTokenLifetimeSeconds": 120}
    stack = make_stack(scenario)
    stack.sandbox.set_faults({"lcs": {"metadataCallsPerMinute": 0}, "keyed": {"entra.token": {
        LCS_SCOPE: {"status": 503, "times": 1, "retryAfterSeconds": 1}}}})  # once the operator has signed in
    status = drive_to_the_end(stack, link_targets(1, project_per_link=True)[0])
    renewals = [c.status for c in stack.recorder.snapshot() if c.scope and "lcsapi" in c.scope]
    assert renewals[:2] == [503, 200], renewals
    assert status["phase"] == "Linked", [c["detail"] for c in status["checks"] if c["outcome"] == "error"]
