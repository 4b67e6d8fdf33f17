"""HTTP routes for operators looking at many runs or auditing one: the fleet page and the audit
record. The fleet page is for a browser (anonymous at the function level, like the review page:
App Service Authentication guards it in Azure); the audit record is part of the API.
"""
from __future__ import annotations

from datetime import datetime, timezone

import azure.durable_functions as df
import azure.functions as func

from triggers.problems import json_response, problem, problem_response

bp = df.Blueprint()


@bp.route(route="fleet", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@bp.durable_client_input(client_name="client")
async def fleet_page(req: func.HttpRequest, client) -> func.HttpResponse:
    return await show_fleet(req, client)


@bp.route(route="links/{instanceId}/audit", methods=["GET"])
@bp.durable_client_input(client_name="client")
async def audit(req: func.HttpRequest, client) -> func.HttpResponse:
    return await show_audit(req, client)


async def show_fleet(req: func.HttpRequest, client) -> func.HttpResponse:
    from webui import PAGE_HEADERS  # the page's code loads on first view, not at cold start
    from webui.fleet_page import render_fleet_page

    from triggers import link_actions as actions
    items = await actions.list_links(client, actions.base_url_of(req), None)
    phase = (req.params.get("phase") or "").strip()[:64] or None
    page = render_fleet_page(items, phase=phase, now=datetime.now(timezone.utc))
    return func.HttpResponse(page, status_code=200, headers=dict(PAGE_HEADERS), mimetype="text/html",
                             charset="utf-8")


async def show_audit(req: func.HttpRequest, client) -> func.HttpResponse:
    from webui.audit import audit_record

    from triggers import link_actions as actions
    instance_id = req.route_params["instanceId"]
    document = await actions.load_status(client, instance_id, actions.base_url_of(req))
    if document is None:
        return problem_response(problem(404, "Not Found", f"There is no link or preflight {instance_id}."))
    return json_response(audit_record(document))
