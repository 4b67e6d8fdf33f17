"""The HTTP API's routes: start, preflight, list, status, confirm, cancel, health.

Only the names, routes and bindings load with the app; each route's handler, in
triggers/api_handlers.py with the request model and the link actions, loads on the first request.
"""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

from triggers.problems import json_response
from triggers.task_hub import answers_503_when_storage_fails

bp = df.Blueprint()


@bp.route(route="links", methods=["POST"])
@bp.durable_client_input(client_name="client")
@answers_503_when_storage_fails
async def start_link(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    from triggers import api_handlers
    return await api_handlers.start_link(req, client)


@bp.route(route="preflight", methods=["POST"])
@bp.durable_client_input(client_name="client")
@answers_503_when_storage_fails
async def run_preflight(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    from triggers import api_handlers
    return await api_handlers.run_preflight(req, client)


@bp.route(route="links", methods=["GET"])
@bp.durable_client_input(client_name="client")
@answers_503_when_storage_fails
async def list_links(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    from triggers import api_handlers
    return await api_handlers.list_links(req, client)


@bp.route(route="links/{instanceId}", methods=["GET"])
@bp.durable_client_input(client_name="client")
@answers_503_when_storage_fails
async def get_link(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    from triggers import api_handlers
    return await api_handlers.get_link(req, client)


@bp.route(route="links/{instanceId}/confirm", methods=["POST"])
@bp.durable_client_input(client_name="client")
@answers_503_when_storage_fails
async def confirm_link(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    from triggers import api_handlers
    return await api_handlers.confirm_link(req, client)


@bp.route(route="links/{instanceId}/cancel", methods=["POST"])
@bp.durable_client_input(client_name="client")
@answers_503_when_storage_fails
async def cancel_link(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    from triggers import api_handlers
    return await api_handlers.cancel_link(req, client)


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def health(req: func.HttpRequest) -> func.HttpResponse:
    return json_response({"status": "ok"})
