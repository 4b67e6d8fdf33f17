"""The audit record: built from a status document, valid against openapi.json's AuditRecord."""
import copy

from tests.webui.support import ADELE, provisioning_status
from tests.webui.test_openapi import schema_validator
from webui.audit import audit_record

MEGAN = {"name": "megan@contoso.onmicrosoft.com", "objectId": "814353f4-e0c0-4553-9c90-996d584f6ec1"}


def linked_after_a_late_confirmation() -> dict:
    doc = provisioning_status()
    seen = copy.deepcopy(doc["checks"][0])
    doc["checks"][0].update(detail="11.0 GB of database capacity free.", evidence={"databaseFreeGb": 11.0})
    doc["revalidation"] = {"at": "2025-03-01T12:05:01Z", "replaced": [seen]}
    doc["requestedBy"] = {"channel": "http", "principal": MEGAN, "messageId": None}
    doc["startedAt"] = "2025-03-01T10:00:00.000Z"
    doc["confirmation"]["attempts"].insert(0, {"at": "2025-03-01T10:04:00Z", "typedName": "Adele V.", "by": ADELE,
                                               "accepted": False, "reason": "does not match"})
    doc["confirmation"]["attemptCount"] = 23
    doc.update(phase="Linked", runtimeStatus="Completed",
               outcome={"result": "Linked", "message": "Linked.", "completedAt": "2025-03-01T11:30:00Z",
                        "disconnectedEnvironment": {"id": "init-1", "displayName": "Contoso initial"},
                        "audit": {}})
    doc["timeline"] += [{"phase": "Verifying", "at": "2025-03-01T11:20:00Z"},
                        {"phase": "Linked", "at": "2025-03-01T11:30:00Z"}]
    return doc


def test_one_record_answers_who_what_when():
    doc = linked_after_a_late_confirmation()
    record = audit_record(doc)
    schema_validator("AuditRecord").validate(record)
    assert record["requester"] == {"channel": "http", "principal": MEGAN, "messageId": None,
                                   "requestedAt": "2025-03-01T10:00:00.000Z", "recorded": True}
    assert record["operator"] == {"upn": "adele@contoso.onmicrosoft.com", "displayName": "Adele Vance"}
    confirmation = record["confirmation"]
    assert [(a["typedName"], a["accepted"]) for a in confirmation["attempts"]] == [("Adele V.", False), ("Adele Vance", True)]
    assert confirmation["attemptCount"] == 23 and confirmation["attemptsNotKept"] == 21
    assert confirmation["confirmedBy"] == ADELE and confirmation["typedName"] == "Adele Vance"
    assert record["setup"] == {"mode": "lcs-api", "startedAt": "2025-03-01T10:05:00Z", "setupActivityId": "act-1"}
    assert record["provisioning"]["startedAt"] == "2025-03-01T10:05:10Z"
    assert record["provisioning"]["endedAt"] == "2025-03-01T11:20:00Z"
    assert record["outcome"]["result"] == "Linked" and record["outcome"]["completedAt"] == "2025-03-01T11:30:00Z"


def test_checks_at_confirmation_are_those_the_confirmer_saw_not_the_revalidated_ones():
    doc = linked_after_a_late_confirmation()
    record = audit_record(doc)
    seen = record["checksAtConfirmation"]
    assert seen["confirmedAt"] == "2025-03-01T10:05:00Z"
    assert seen["checks"][0]["detail"] == "12.5 GB of database capacity free."
    assert seen["checks"][1] == doc["checks"][1]
    assert record["revalidation"]["checks"][0]["detail"] == "11.0 GB of database capacity free."
    assert record["finalChecks"]["checks"][0]["detail"] == "11.0 GB of database capacity free."


def test_a_run_nobody_confirmed_has_no_checks_at_confirmation_and_says_its_requester_is_unknown():
    doc = provisioning_status()
    doc.update(phase="ValidationFailed", confirmation=None, provisioning=None)
    record = audit_record(doc)
    schema_validator("AuditRecord").validate(record)
    assert record["checksAtConfirmation"] is None and record["confirmation"] is None
    assert record["provisioning"] is None and record["requester"]["recorded"] is False
    assert len(record["finalChecks"]["checks"]) == 2
