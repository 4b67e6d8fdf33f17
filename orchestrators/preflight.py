"""Preflight: the same validation round as a link, then stop. Changes nothing, announces nothing."""

from __future__ import annotations

import azure.durable_functions as df

from domain import phases
from domain.environments import describe_environments
from domain.request import LinkRequest
from orchestrators.link_state import enter_phase, iso, new_state, utc
from orchestrators.options import RunOptions
from orchestrators.validation import checks_to_json, validate, validation_passed

bp = df.Blueprint()


@bp.orchestration_trigger(context_name="context")
def preflight(context: df.DurableOrchestrationContext):
    data = context.get_input()
    request = LinkRequest.from_dict(data["request"])
    now = utc(context.current_utc_datetime)
    state = new_state("preflight", request, RunOptions.from_json(data["options"]).links, now)
    context.set_custom_status(state)
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
    context.set_custom_status(state)
    return state
