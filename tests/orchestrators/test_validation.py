"""The fan-out the validation round schedules, driven in process with a context that records what
the orchestrator asks for: stages from the fact declarations, inputs from the facts before them."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from domain import facts as F
from domain.facts.base import spec, specs, stages
from domain.request import LinkRequest
from orchestrators.validation import facts_needed, gather_facts

REQUEST = {"lcsProjectId": 1234567, "lcsEnvironmentId": "d15ed3a8-c2c1-4054-840b-946c93915da9",
           "powerPlatformEnvironmentId": "00000000-0000-0000-0000-000000000001",
           "operator": "admin@contoso.onmicrosoft.com", "setupMode": "lcs-api", "confirmationTimeout": "P3D"}
DATAVERSE_URL = "https://contoso.crm.dynamics.com"


class RecordingContext:
    """What gather_facts asks of a DurableOrchestrationContext, each call kept as (activity, input)."""
    instance_id = "preflight-1"
    current_utc_datetime = datetime(2026, 12, 1, tzinfo=timezone.utc)

    def call_activity_with_retry(self, name: str, retry: Any, payload: dict[str, Any]) -> tuple[str, dict]:
        return name, payload

    def task_all(self, tasks: list) -> list:
        return tasks


def answer(activity: str, payload: dict[str, Any], has_dataverse: bool) -> dict[str, Any]:
    """A successful fact for each activity; its value only as far as the next stage reads it."""
    name = next(s.name for s in specs() if s.activity == activity)
    values = {
        F.OPERATOR: F.OperatorFacts("oid-1", "admin@contoso.onmicrosoft.com", "Adele Vance", "Member", "t1"),
        F.TARGET: F.TargetEnvironmentFacts("env", "Contoso", "t1", "unitedstates", "eastus", has_dataverse,
                                           DATAVERSE_URL if has_dataverse else None, "Ready", "Ready", "Enabled"),
    }
    return F.FactResult(name, values.get(name) or _any_value(name)).to_json()


def _any_value(name: str) -> Any:
    from domain.serialization import from_json
    samples = {F.TENANT_SETTINGS: {"non_admin_environment_creation_disabled": False},
               F.CAPACITY: {"database_total_mb": 1.0, "database_used_mb": 0.5},
               F.LCS_ENVIRONMENT: {"found": True, "project_id": 1, "environment_id": "e", "signed_in_upn": None,
                                   "signed_in_tenant_id": None},
               F.LCS_LINKS: {}, F.LCS_INTEGRATION: {"state": "NotConfigured"},
               F.DATAVERSE_ROLES: {"system_user_found": False}, F.DATAVERSE_INTEGRATION: {"linked": False}}
    return from_json(spec(name).value_type, samples[name])


def drive(request: dict[str, Any], has_dataverse: bool = True,
          check_ids: set[str] | None = None) -> tuple[list[list[tuple[str, dict]]], F.Facts]:
    """Runs gather_facts to the end: (the activities of each fan-out, the facts it returned)."""
    rounds: list[list[tuple[str, dict]]] = []
    run = gather_facts(RecordingContext(), LinkRequest.from_dict(request), check_ids)
    sent = None
    try:
        while True:
            scheduled = run.send(sent)
            rounds.append(scheduled)
            sent = [json.loads(json.dumps(answer(name, payload, has_dataverse))) for name, payload in scheduled]
    except StopIteration as done:
        return rounds, done.value


def test_the_declared_stages_are_scheduled_in_order_with_their_inputs():
    rounds, facts = drive(REQUEST)
    in_mode = [[s for s in stage if s.read_in(REQUEST.get("setupMode", "operator"))] for stage in stages()]
    assert [[name for name, _ in r] for r in rounds] == [[s.activity for s in stage] for stage in in_mode]
    first, second = rounds
    request = LinkRequest.from_dict(REQUEST).to_dict()
    assert all(payload == {"request": request, "instanceId": "preflight-1"} for _, payload in first)
    assert dict(second) == {
        "gather_dataverse_roles": {"request": request, "instanceUrl": DATAVERSE_URL, "operatorObjectId": "oid-1",
                                   "instanceId": "preflight-1"},
        "gather_dataverse_integration": {"request": request, "instanceUrl": DATAVERSE_URL,
                                         "instanceId": "preflight-1"}}
    # Inputs are recorded in histories as JSON text: their keys keep their order too.
    assert list(second[0][1]) == ["request", "instanceUrl", "operatorObjectId", "instanceId"]
    assert [r["name"] for r in facts.to_json()] == [s.name for stage in in_mode for s in stage]


def test_a_fact_declared_after_the_target_is_not_asked_when_the_target_has_no_dataverse():
    rounds, facts = drive(REQUEST, has_dataverse=False)
    assert len(rounds) == 1 and facts.result(F.DATAVERSE_ROLES).skipped == "the target environment has no Dataverse database"


def test_the_operator_mode_does_not_read_lcs_integration():
    rounds, facts = drive({**REQUEST, "setupMode": "operator"})
    assert "gather_lcs_integration" not in [name for name, _ in rounds[0]]
    assert facts.result(F.LCS_INTEGRATION).skipped == "not gathered in this round"


def test_the_unified_mode_reads_no_lcs_fact_and_asks_the_versions_after_the_target():
    unified = {"powerPlatformEnvironmentId": REQUEST["powerPlatformEnvironmentId"], "operator": REQUEST["operator"],
               "setupMode": "unified", "confirmationTimeout": "P3D",
               "provisioningApp": {"developerTools": False, "demoData": False, "version": "latest"}}
    assert facts_needed(None, "unified") == {F.OPERATOR, F.TARGET, F.CAPACITY, F.APPLICATION_PACKAGES,
                                             F.DATAVERSE_ROLES, F.DATAVERSE_INTEGRATION, F.FINOPS_VERSIONS}
    assert facts_needed({"version-exists"}, "unified") == {F.TARGET, F.APPLICATION_PACKAGES, F.FINOPS_VERSIONS}
    assert spec(F.FINOPS_VERSIONS).after == (F.TARGET,)
    assert unified["provisioningApp"] == LinkRequest.from_dict(unified).to_dict()["provisioningApp"]


def test_facts_needed_adds_what_the_inputs_need_and_only_for_the_selected_checks():
    assert facts_needed({"dataverse-system-administrator"}, "operator") >= {F.DATAVERSE_ROLES, F.OPERATOR, F.TARGET}
    assert F.CAPACITY not in facts_needed({"dataverse-system-administrator"}, "operator")
    assert F.LCS_INTEGRATION in facts_needed(None, "lcs-api") and F.LCS_INTEGRATION not in facts_needed(None, "operator")
