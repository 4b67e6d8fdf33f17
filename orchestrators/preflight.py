"""Preflight: the same validation round as a link, then stop. Changes nothing, announces nothing."""

from __future__ import annotations

import azure.durable_functions as df

from activities import names as activity
from domain import phases
from domain.environments import describe_environments
from domain.request import LinkRequest
from domain.values import iso, utc
from orchestrators.link_state import enter_phase, new_state
from orchestrators.options import RunOptions
from orchestrators.projection import CONTRACT_VERSION, document_name, projection
from orchestrators.validation import STORE_RETRY, checks_to_json, validate, validation_passed

bp = df.Blueprint()


@bp.orchestration_trigger(context_name="context")
def preflight(context: df.DurableOrchestrationContext):
    data = context.get_input()
    # Contract 2 keeps the report in the status store (orchestrators/projection.py); earlier runs did not.
    stores_document = data.get("version", 1) >= CONTRACT_VERSION
    request = LinkRequest.from_dict(data["request"])
    now = utc(context.current_utc_datetime)
    state = new_state("preflight", request, RunOptions.from_json(data["options"]).links, now)
    document = document_name(context.instance_id, data["runId"]) if stores_document else ""
    if stores_document:
        state.update(version=0, runId=data["runId"])

    def live():
        return projection(state, document) if stores_document else state

    context.set_custom_status(live())
    facts, results = yield from validate(context, request)
    finished = utc(context.current_utc_datetime)
    state["checks"] = checks_to_json(results)
    state["validatedAt"] = iso(finished)
    state["environments"] = describe_environments(request, facts)
    operator = facts.value("operator")
    state["operatorDisplayName"] = operator.display_name if operator else None
    passed = validation_passed(results)
    enter_phase(state, phases.VALIDATED if passed else phases.VALIDATION_FAILED, finished)
    state["outcome"] = {"result": state["phase"], "completedAt": iso(finished),
                        "message": "Every prerequisite is met." if passed else "One or more prerequisites are not met."}
    if stores_document:
        state["version"] = 1
        yield context.call_activity_with_retry(activity.SAVE_STATUS, STORE_RETRY,
                                               {"name": document, "version": 1, "document": state})
    context.set_custom_status(live())
    return live()
