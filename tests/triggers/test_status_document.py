"""How the HTTP layer makes the status document from the live projection and the stored document."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from types import SimpleNamespace

import azure.durable_functions as df
import pytest

from services.status_store import StatusStoreUnavailable
from triggers import link_actions
from triggers.task_hub import answers_503_when_storage_fails

NAME = "link-1/run-1.json"


class FakeStore:
    def __init__(self, stored=None, fail=False):
        self.stored, self.fail, self.reads = stored, fail, []

    def load(self, name):
        self.reads.append(name)
        if self.fail:
            raise StatusStoreUnavailable("down")
        return self.stored


def live(**changes):
    return {"kind": "link", "phase": "AwaitingConfirmation", "version": 3, "document": NAME, "runId": "run-1",
            "request": {"operator": "a@b.c"}, "timeline": [{"phase": "Validating", "at": "t0"},
                                                            {"phase": "AwaitingConfirmation", "at": "t1"}],
            "confirmation": {"expiresAt": "t9", "attemptCount": 2, "confirmedAt": None,
                             "lastAttempt": {"attemptId": "a2", "at": "t2", "accepted": False}},
            "provisioning": None, "outcome": None, **changes}


def stored(**changes):
    return {"kind": "link", "phase": "AwaitingConfirmation", "version": 2, "checks": [{"id": "c", "evidence": {}}],
            "request": {"operator": "a@b.c", "correlationId": "x"}, "previousRuns": [{"phase": "Cancelled"}],
            "timeline": [{"phase": "Validating", "at": "t0"}, {"phase": "AwaitingConfirmation", "at": "t1"}],
            "confirmation": {"expiresAt": "t9", "attempts": [{"attemptId": "a1", "accepted": False}],
                             "confirmedBy": None, "typedName": None}, **changes}


def test_a_run_before_the_status_store_serves_its_live_document_as_it_is():
    legacy = {"phase": "Linked", "checks": [1, 2], "request": {}}
    store = FakeStore()
    assert link_actions.complete_document(dict(legacy), store) == legacy and store.reads == []


def test_the_stored_document_is_overlaid_with_what_the_projection_knows_better():
    document = link_actions.complete_document(live(), FakeStore(stored()))
    assert document["checks"] and document["previousRuns"] and document["request"]["correlationId"] == "x"
    assert document["version"] == 3 and "document" not in document
    assert document["confirmation"]["attempts"] == [{"attemptId": "a1", "accepted": False}]
    assert document["confirmation"]["attemptCount"] == 2 and "lastAttempt" not in document["confirmation"]


def test_the_phase_is_the_projections_even_when_the_store_is_ahead():
    """The document is written before the projection shows a new phase: confirm and cancel act on the
    phase, so it must be the one whose waiters are open."""
    document = link_actions.complete_document(live(phase="Validating", confirmation=None),
                                              FakeStore(stored(version=4)))
    assert document["phase"] == "Validating"


def test_before_the_first_write_the_projection_is_the_document():
    document = link_actions.complete_document(live(phase="Validating", confirmation=None), FakeStore(None))
    assert document["phase"] == "Validating" and document["request"] == {"operator": "a@b.c"}


def test_before_the_first_write_the_rest_comes_from_what_the_run_was_started_with():
    """Contract 3 writes the first document beside the first facts, so the Validating event can be read
    before it lands: the full request, earlier runs and requester are in the run's input."""
    request = {"operator": "a@b.c", "lcsEnvironmentId": "e", "confirmationTimeout": "P3D", "correlationId": "x"}
    started_with = {"version": 3, "runId": "run-1", "request": request, "options": {"secretish": "no"},
                    "previousRuns": [{"phase": "Cancelled"}], "requestedBy": {"channel": "queue"}}
    running = _status("link-1", live(phase="Validating", confirmation=None), started_with=json.dumps(started_with))
    document = link_actions.status_document(running, "http://h", FakeStore(None))
    assert document["phase"] == "Validating" and document["request"] == request
    assert document["previousRuns"] == [{"phase": "Cancelled"}] and document["requestedBy"] == {"channel": "queue"}
    assert "options" not in document and "runId" in document
    written = link_actions.status_document(running, "http://h", FakeStore(stored(phase="Validating")))
    assert written["request"] == stored()["request"]  # once written, the store is what counts


def _status(instance_id, custom, runtime=df.OrchestrationRuntimeStatus.Running, started_with=None):
    moment = datetime(2026, 12, 1, tzinfo=timezone.utc)
    return SimpleNamespace(instance_id=instance_id, custom_status=custom, output=None, runtime_status=runtime,
                           created_time=moment, last_updated_time=moment, input_=started_with)


@pytest.mark.parametrize("as_text", [True, False], ids=["input as JSON text (the SDK's)", "input as object"])
def test_a_run_not_yet_started_shows_the_request_it_was_started_with(as_text):
    """Pending: the orchestrator has not run, so there is no projection yet; the request is in the input,
    which the Python SDK sends as JSON text and the host shows as a string."""
    request = {"lcsEnvironmentId": "e", "powerPlatformEnvironmentId": "t", "operator": "a@b.c"}
    started_with = {"version": 2, "runId": "r", "request": request, "options": {}}
    pending = _status("link-1", None, df.OrchestrationRuntimeStatus.Pending,
                      started_with=json.dumps(started_with) if as_text else started_with)
    document = link_actions.status_document(pending, "http://h", FakeStore(None))
    assert document["request"] == request and document["phase"] == "Validating"
    assert "options" not in document


def test_the_list_reads_projections_only(monkeypatch):
    def no_store(*_, **__):
        raise AssertionError("the list must not read stored documents")

    monkeypatch.setattr(link_actions.StatusStore, "from_environment", no_store)
    projected = live(request={"lcsEnvironmentId": "e", "powerPlatformEnvironmentId": "t", "operator": "a@b.c",
                              "setupMode": "operator", "correlationId": "ticket-7"})
    legacy = {"phase": "Provisioning", "kind": "link", "request": {"lcsEnvironmentId": "f", "setupMode": "lcs-api"}}

    class Client:
        async def get_status_by(self, instance_id_prefix):
            return [_status("link-1", projected), _status("link-2", legacy, df.OrchestrationRuntimeStatus.Failed)]

    items = asyncio.run(link_actions.list_links(Client(), "http://h", None))
    assert [(i["instanceId"], i["phase"], i["kind"], i["setupMode"], i["correlationId"]) for i in items] == [
        ("link-1", "AwaitingConfirmation", "link", "operator", "ticket-7"), ("link-2", "Failed", "link", "lcs-api", None)]
    assert set(items[0]) >= {"lcsEnvironmentId", "powerPlatformEnvironmentId", "operator", "createdTime",
                             "lastUpdatedTime", "links"}

# What the SDK's client exposes to the storage guard; the routes below never call it.
SDK_CLIENT = SimpleNamespace(_post_async_request=None, _get_async_request=None, _delete_async_request=None)


def test_a_store_failure_answers_503_with_retry_after():
    @answers_503_when_storage_fails
    async def route(req, client):
        return link_actions.complete_document(live(), FakeStore(fail=True))

    response = asyncio.run(route(None, SDK_CLIENT))
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.mimetype == "application/problem+json" and json.loads(response.get_body())["status"] == 503


def test_a_route_keeps_its_signature_for_the_bindings():
    import inspect

    @answers_503_when_storage_fails
    async def route(req, client):
        return None

    assert list(inspect.signature(route).parameters) == ["req", "client"]


@pytest.mark.parametrize("runtime", [df.OrchestrationRuntimeStatus.Failed, df.OrchestrationRuntimeStatus.Terminated])
def test_a_failed_runtime_is_a_failed_phase(runtime):
    document = link_actions.status_document(_status("link-1", live()), "http://h", FakeStore(stored()))
    assert document["phase"] == "AwaitingConfirmation"
    failed = link_actions.status_document(_status("link-1", live(), runtime), "http://h", FakeStore(stored()))
    assert failed["phase"] == "Failed" and failed["checks"]
