"""The engine's floor: an app of the two Functions SDKs alone that does nothing but the physical chain.

`bench.fanout` runs it on the same devhost and sandbox as the product (`--app-module bench.floor_app`)
and times it the same way, to measure what any validation costs on this host beyond its three
dependent calls: an HTTP start, an orchestrator episode that schedules one activity, the activity
making three calls one after another (each costs the sandbox's L, as BAP environment -> Dataverse
token -> Dataverse does), the episode that shows the result, the caller's polling. Not part of
the product (function_app.py does not import it).
"""

from __future__ import annotations

import json
import os

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
CHAIN_LENGTH = 3


@app.route(route="floor", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start_floor(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    instance_id = await client.start_new("floor_run", None, {"chain": CHAIN_LENGTH})
    return func.HttpResponse(json.dumps({"instanceId": instance_id}), status_code=202, mimetype="application/json")


@app.route(route="floor/{instance_id}", methods=["GET"])
@app.durable_client_input(client_name="client")
async def floor_status(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    status = await client.get_status(req.route_params["instance_id"])
    return func.HttpResponse(json.dumps({"phase": status.custom_status}), mimetype="application/json")


@app.orchestration_trigger(context_name="context")
def floor_run(context: df.DurableOrchestrationContext):
    context.set_custom_status("Validating")
    yield context.call_activity("floor_chain", context.get_input())
    context.set_custom_status("AwaitingConfirmation")
    return "done"


@app.activity_trigger(input_name="payload")
def floor_chain(payload: dict) -> int:
    import requests

    url = f"{os.environ['AZURE_AUTHORITY_HOST']}/{os.environ['AZURE_TENANT_ID']}/v2.0/.well-known/openid-configuration"
    with requests.Session() as session:
        for _ in range(payload["chain"]):
            session.get(url, verify=os.environ["SERVICES_CA_BUNDLE"], timeout=30).raise_for_status()
    return payload["chain"]
