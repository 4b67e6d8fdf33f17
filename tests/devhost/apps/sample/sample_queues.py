"""A queue-triggered starter (Blueprint) with a durable client; "fail" bodies exercise poison handling."""
import json

import azure.durable_functions as df
import azure.functions as func

bp = df.Blueprint()


@bp.queue_trigger(arg_name="msg", queue_name="%SAMPLE_IN_QUEUE%", connection="AzureWebJobsStorage")
@bp.durable_client_input(client_name="client")
async def intake(msg: func.QueueMessage, client: df.DurableOrchestrationClient) -> None:
    body = msg.get_body().decode("utf-8")
    if body.startswith("fail"):
        raise ValueError(f"refusing message (dequeue count {msg.dequeue_count})")
    request = json.loads(body)
    await client.start_new("sequence", request["instanceId"], request["names"])
