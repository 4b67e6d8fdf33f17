"""Preflight: the same validation round as a link, then stop. Changes nothing, announces nothing."""

from __future__ import annotations

import azure.durable_functions as df

from activities import names as activity
from domain import phases
from domain.environments import describe_environments
from domain.request import LinkRequest
from domain.status_document import StatusDocument
from domain.values import utc
from orchestrators.options import RunOptions
from orchestrators.projection import STORED_DOCUMENT_SINCE, document_name, projection
from orchestrators.validation import STORE_RETRY, checks_to_json, validate, validation_passed


def run_preflight(context: df.DurableOrchestrationContext):
    """The `preflight` orchestrator's body (orchestrators/blueprint.py registers it)."""
    data = context.get_input()
    # From contract 2 on the report is kept in the status store (orchestrators/projection.py).
    stores_document = data.get("version", 1) >= STORED_DOCUMENT_SINCE
    request = LinkRequest.from_dict(data["request"])
    now = utc(context.current_utc_datetime)
    doc = StatusDocument.new("preflight", request.to_dict(), RunOptions.from_json(data["options"]).links, now)
    document = document_name(context.instance_id, data["runId"]) if stores_document else ""
    if stores_document:
        doc.adopt_contract(data["runId"])

    def live():
        return projection(doc, document) if stores_document else doc.to_json()

    context.set_custom_status(live())
    facts, results = yield from validate(context, request)
    finished = utc(context.current_utc_datetime)
    operator = facts.value("operator")
    doc.record_validation(checks_to_json(results), finished, describe_environments(request, facts),
                          operator.display_name if operator else None)
    passed = validation_passed(results)
    doc.finish(phases.VALIDATED if passed else phases.VALIDATION_FAILED,
               "Every prerequisite is met." if passed else "One or more prerequisites are not met.", finished)
    if stores_document:
        yield context.call_activity_with_retry(activity.SAVE_STATUS, STORE_RETRY,
                                               {"name": document, "version": doc.next_version(),
                                                "document": doc.to_json()})
    context.set_custom_status(live())
    return live()
