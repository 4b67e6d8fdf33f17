"""The status document module: real documents read and write back unchanged, and the operations the
orchestrator performs make the JSON that readers, stored blobs and recorded histories know."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from domain import phases
from domain.run_progress import timeline_steps
from domain.status_document import (
    IRREVERSIBILITY_NOTICE, MAX_RECORDED_ATTEMPTS, Attempt, StatusDocument,
)
from tests.webui.test_openapi import schema_validator

HISTORIES = Path(__file__).resolve().parent.parent / "fixtures" / "histories"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
REQUEST = {"lcsProjectId": 1234567, "lcsEnvironmentId": "a98e06c0-b563-411f-9431-23b5ed5c93ed",
           "powerPlatformEnvironmentId": "fc384085-a8b1-4b50-926a-e95c355a7195",
           "operator": "admin@contoso.onmicrosoft.com", "setupMode": "lcs-api", "confirmationTimeout": "P3D",
           "correlationId": None}
ADELE = {"name": "admin@contoso.onmicrosoft.com", "objectId": None}


def _documents_in(recording: dict) -> list[dict]:
    """Every status document a recorded run holds: output, custom status, continue-as-new carries."""
    found = [recording["output"], recording["customStatus"]]
    found += [execution["input"].get("carry") for execution in recording["executions"]]
    return [doc for doc in found if isinstance(doc, dict)]


RECORDED = [pytest.param(doc, id=f"{path.parent.name}/{path.stem}#{number}")
            for path in sorted(HISTORIES.glob("*/*.json"))
            for number, doc in enumerate(_documents_in(json.loads(path.read_text())))]


@pytest.mark.parametrize("recorded", RECORDED)
def test_a_recorded_document_reads_and_writes_back_unchanged(recorded):
    before = copy.deepcopy(recorded)
    doc = StatusDocument.from_json(recorded)
    assert doc.to_json() == before
    assert recorded == before  # reading never changes what it read
    assert doc.phase in phases.ALL_PHASES and doc.timeline[0].phase == phases.VALIDATING


def test_the_recorded_fixtures_hold_every_kind_of_document():
    assert len(RECORDED) >= 10
    kinds = {StatusDocument.from_json(p.values[0]).phase for p in RECORDED}
    assert {phases.LINKED, phases.VALIDATION_FAILED, phases.AWAITING_CONFIRMATION, phases.PROVISIONING} <= kinds


def test_a_version_1_document_reads_as_the_steps_it_reached():
    linked = next(p.values[0] for p in RECORDED if p.id.startswith("stop-8/") and p.values[0]["phase"] == phases.LINKED)
    doc = StatusDocument.from_json(linked)
    assert [step.state for step in timeline_steps(doc)] == ["done"] * 5
    assert doc.confirmation.attempt_count is None and doc.confirmation.total_attempts == 1
    assert "attemptId" not in doc.to_json()["confirmation"]["attempts"][0]  # that release recorded none


def a_late_confirmed_cancelled_run() -> StatusDocument:
    """A run built by the operations the orchestrator performs, through a revalidation."""
    doc = StatusDocument.new("link", REQUEST, {"self": "http://h/api/links/x"}, NOW)
    doc.adopt_run([{"phase": "Cancelled", "timeline": []}], {"channel": "http", "principal": ADELE, "messageId": None})
    doc.adopt_contract("run-1")
    checks = [{"id": "dataverse-capacity", "title": "t", "outcome": "passed", "detail": "12 GB", "remediation": "",
               "evidence": {}},
              {"id": "same-tenant", "title": "t", "outcome": "passed", "detail": "", "remediation": "", "evidence": {}}]
    environments = {"target": {"id": REQUEST["powerPlatformEnvironmentId"], "displayName": "Contoso"}}
    doc.record_validation(checks, NOW, environments, "Adele Vance")
    doc.await_confirmation(NOW + timedelta(days=3), NOW)
    doc.confirmation.record(Attempt(attempt_id="a1", at="2026-12-01T09:01:00.000Z", typed_name="Adele V.", by=ADELE,
                                    accepted=False, reason="does not match"))
    doc.confirmation.record(Attempt(attempt_id="a2", at="2026-12-01T12:00:00.000Z", typed_name="Adele Vance",
                                    by=ADELE, accepted=True))
    fresh = [dict(checks[0], outcome="failed", detail="0.5 GB")]
    doc.record_revalidation(fresh, NOW + timedelta(hours=3), environments)
    return doc


def test_the_operations_make_the_documented_json():
    doc = a_late_confirmed_cancelled_run()
    doc.finish(phases.VALIDATION_FAILED, "A prerequisite changed.", NOW + timedelta(hours=3),
               doc.audit(REQUEST["operator"], None), checks=doc.failed_check_ids())
    served = doc.to_json() | {"instanceId": "link-x", "runtimeStatus": "Completed", "createdTime": None,
                              "lastUpdatedTime": None}
    schema_validator("StatusDocument").validate(served)
    assert served["irreversibilityNotice"] == IRREVERSIBILITY_NOTICE
    assert served["confirmation"]["attemptCount"] == 2 and served["confirmation"]["typedName"] == "Adele Vance"
    assert served["confirmation"]["confirmedBy"] == ADELE
    assert served["revalidation"]["replaced"][0]["detail"] == "12 GB" and served["checks"][0]["detail"] == "0.5 GB"
    assert served["outcome"]["checks"] == ["dataverse-capacity"]
    assert served["outcome"]["audit"]["typedName"] == "Adele Vance" and "reason" not in served["outcome"]
    assert [entry["phase"] for entry in served["timeline"]] == [phases.VALIDATING, phases.AWAITING_CONFIRMATION,
                                                                phases.VALIDATION_FAILED]
    assert served["version"] == 0 and served["runId"] == "run-1" and served["previousRuns"][0]["phase"] == "Cancelled"
    assert StatusDocument.from_json(served).to_json() == served


def test_a_new_document_has_the_keys_every_release_wrote_and_no_others():
    doc = StatusDocument.new("preflight", REQUEST, {}, NOW).to_json()
    assert set(doc) == {"kind", "phase", "request", "startedAt", "checks", "validatedAt", "irreversibilityNotice",
                        "operatorDisplayName", "initialEnvironment", "confirmation", "operatorInstructions",
                        "provisioning", "outcome", "timeline", "links"}
    assert doc["irreversibilityNotice"] is None  # a preflight changes nothing
    assert doc["timeline"] == [{"phase": phases.VALIDATING, "at": "2026-12-01T09:00:00.000Z"}]


def test_a_cancel_keeps_the_details_it_was_given_even_when_empty():
    doc = a_late_confirmed_cancelled_run()
    doc.finish(phases.CANCELLED, "Cancelled before setup.", NOW, doc.audit("a@b.c", "corr"), reason=None, by=ADELE,
               attemptId="c1")
    outcome = doc.to_json()["outcome"]
    assert outcome["reason"] is None and outcome["by"] == ADELE and outcome["attemptId"] == "c1"
    assert "linkedEnvironment" not in outcome and outcome["audit"]["correlationId"] == "corr"


def test_only_the_newest_attempts_are_kept_and_every_one_is_counted():
    doc = a_late_confirmed_cancelled_run()
    for number in range(MAX_RECORDED_ATTEMPTS + 5):
        doc.confirmation.record(Attempt(attempt_id=f"w{number}", at=f"t{number}", typed_name="x", accepted=False))
    assert len(doc.confirmation.attempts) == MAX_RECORDED_ATTEMPTS
    assert doc.confirmation.attempt_count == MAX_RECORDED_ATTEMPTS + 7
    assert doc.confirmation.attempts[-1].attempt_id == f"w{MAX_RECORDED_ATTEMPTS + 4}"
    assert doc.confirmation.typed_name == "Adele Vance"  # a refused attempt never replaces the accepted one


def test_provisioning_progress_keeps_its_reads_and_its_first_deadline():
    doc = a_late_confirmed_cancelled_run()
    waiting = doc.progress(NOW, started=False, deadline=NOW + timedelta(hours=4))
    waiting.record_reading("NotStarted", None, NOW + timedelta(minutes=5), 30)
    started = doc.progress(NOW + timedelta(hours=1), started=True, deadline=NOW + timedelta(hours=5),
                           setup_activity_id="act-1")
    assert started.to_json() == {
        "started": True, "startedAt": "2026-12-01T10:00:00.000Z", "anchor": "2026-12-01T10:00:00.000Z",
        "deadline": "2026-12-01T13:00:00.000Z", "polls": 1, "lastState": "NotStarted", "lastPhase": None,
        "lastCheckedAt": "2026-12-01T09:05:00.000Z", "nextCheckAt": None, "retryAfterSeconds": None,
        "setupActivityId": "act-1"}
    assert doc.audit("a@b.c", None).setup_activity_id == "act-1"


def test_a_run_input_fills_only_what_a_carried_document_lacks():
    carried = StatusDocument.from_json({"kind": "link", "phase": phases.PROVISIONING, "previousRuns": [{"p": 1}],
                                        "requestedBy": None})
    carried.adopt_run([{"p": 2}], {"channel": "queue"})
    carried.adopt_contract("run-9")
    assert carried.to_json()["previousRuns"] == [{"p": 1}] and carried.to_json()["requestedBy"] is None
    assert carried.to_json()["version"] == 0 and carried.to_json()["runId"] == "run-9"
    old = StatusDocument.from_json({"kind": "link", "phase": phases.VALIDATING})
    old.adopt_run(None, None)
    assert old.to_json() == {"kind": "link", "phase": phases.VALIDATING, "previousRuns": [], "requestedBy": None}


def test_what_the_model_cannot_read_is_kept_as_it_came():
    odd = {"phase": "Linked", "checks": [1, 2], "confirmation": "yes", "timeline": [["Validating"]],
           "provisioning": {"polls": 3, "futureField": {"x": 1}}, "somethingNew": True, "request": "r"}
    doc = StatusDocument.from_json(odd)
    assert doc.confirmation is None and doc.timeline == [] and doc.request is None
    assert doc.provisioning.polls == 3 and doc.check_results() == []
    assert doc.to_json() == odd


def test_the_host_ending_a_run_marks_it_failed_unless_it_had_ended():
    running = StatusDocument.from_json({"phase": phases.PROVISIONING})
    assert running.end_unexpectedly("The orchestration was terminated.")
    assert running.to_json() == {"phase": phases.FAILED, "outcome": {
        "result": phases.FAILED, "message": "The orchestration was terminated."}}
    ended = StatusDocument.from_json({"phase": phases.LINKED})
    assert not ended.end_unexpectedly("x") and ended.to_json() == {"phase": phases.LINKED}


def test_a_run_summary_names_its_failed_checks():
    doc = a_late_confirmed_cancelled_run()
    doc.finish(phases.VALIDATION_FAILED, "Changed.", NOW, None)
    summary = doc.run_summary()
    assert summary["failedChecks"] == ["dataverse-capacity"] and summary["message"] == "Changed."
    assert summary["timeline"][-1]["phase"] == phases.VALIDATION_FAILED and not doc.setup_may_have_started()
