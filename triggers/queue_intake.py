"""Link requests from other systems, through the `link-requests` queue.

Messages arrive as they were sent (host.json `messageEncoding: none`): base64 of JSON, as the
contract says, or JSON text (see domain.queue_text). A message that can never be valid goes to
`link-requests-poison` at once, with its reason beside the original text. A failure that may pass
(the task hub unreachable) raises, so the host retries the message and moves it to the poison
queue itself after `maxDequeueCount` attempts.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

import azure.durable_functions as df
import azure.functions as func

if TYPE_CHECKING:
    from domain.request import InvalidRequest
    from triggers.settings import AppSettings

REQUESTS_QUEUE = "link-requests"
POISON_QUEUE = f"{REQUESTS_QUEUE}-poison"
MAX_MESSAGE_BYTES = 64 * 1024
log = logging.getLogger(__name__)

bp = df.Blueprint()


def parse_message(raw: bytes, settings: AppSettings):
    """`raw` is the message's content once base64 is undone (see decode_message)."""
    from domain.request import decode_link_request

    return decode_link_request(raw, where="(message)", max_bytes=MAX_MESSAGE_BYTES,
                               default_setup_mode=settings.default_setup_mode,
                               default_confirmation_timeout=settings.default_confirmation_timeout)


# The poison document must itself fit in a queue message (64 KiB once base64-encoded). The original
# is quoted whole when it fits; otherwise its start, enough to recognise it, with its full length.
MAX_POISON_MESSAGE_BYTES = 48 * 1024
MAX_QUOTED_CHARACTERS = 8000


def poison_document(raw: bytes, message_id: str | None, error: InvalidRequest) -> str:
    original = raw.decode("utf-8", errors="replace")

    def document(quoted: str) -> str:
        return json.dumps({
            "reason": "The message is not a valid link request: " + str(error),
            "errors": [{"field": e.field, "message": e.message} for e in error.errors],
            "messageId": message_id,
            "originalMessage": quoted,
            "originalLength": len(raw),
            "originalTruncated": quoted != original,
        }, ensure_ascii=False)

    whole = document(original)
    return whole if len(whole.encode("utf-8")) <= MAX_POISON_MESSAGE_BYTES else document(original[:MAX_QUOTED_CHARACTERS])


@bp.function_name("link_request_from_queue")
@bp.queue_trigger(arg_name="message", queue_name=REQUESTS_QUEUE, connection="AzureWebJobsStorage")
@bp.queue_output(arg_name="poison", queue_name=POISON_QUEUE, connection="AzureWebJobsStorage")
@bp.durable_client_input(client_name="client")
async def link_request_from_queue(message: func.QueueMessage, poison: func.Out[str],
                                  client: df.DurableOrchestrationClient) -> None:
    # The request model and the link actions load with the first message, not with the app.
    from domain.queue_text import decode_message, encode_message
    from domain.request import InvalidRequest
    from triggers import link_actions as actions
    from triggers.settings import AppSettings

    settings = AppSettings.from_env()
    raw = decode_message(message.get_body())
    try:
        request = parse_message(raw, settings)
    except InvalidRequest as exc:
        log.warning("queue message %s refused: %s", message.id, exc)
        poison.set(encode_message(poison_document(raw, message.id, exc)))
        return
    started = await actions.start_link(client, request, settings.public_base_url or "", settings,
                                       actions.requester("queue", message_id=message.id))
    if started.created:
        log.info("queue message %s started %s", message.id, started.instance_id)
    else:
        log.info("queue message %s is a repeat: %s is already %s", message.id, started.instance_id,
                 started.existing["phase"])
