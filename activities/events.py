"""Phase events for other systems, on the `link-events` queue.

Sent at least once: an activity can run again after a host crash, so consumers dedupe on
(instanceId, type, at).
"""

import json

import azure.durable_functions as df
import azure.functions as func

from activities import names

EVENTS_QUEUE = "link-events"

bp = df.Blueprint()


@bp.function_name(names.PUBLISH_EVENT)
@bp.activity_trigger(input_name="event")
@bp.queue_output(arg_name="message", queue_name=EVENTS_QUEUE, connection="AzureWebJobsStorage")
def publish_event(event: dict, message: func.Out[str]) -> None:
    from domain.queue_text import encode_message
    from services import telemetry  # loaded with the first event, not with the app

    with telemetry.activity_span(names.PUBLISH_EVENT, event.get("instanceId"), event.get("correlationId")) as span:
        span.event("phase changed", type=event.get("type"), at=event.get("at"), instanceId=event.get("instanceId"))
        # Base64 on the wire, as before host.json said messageEncoding none (see domain.queue_text).
        message.set(encode_message(json.dumps(event, separators=(",", ":"))))
        span.status("published")
