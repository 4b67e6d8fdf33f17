"""The HTTP API's handlers: start, preflight, list, status, confirm, cancel. Errors are problem documents.

triggers/http_api.py registers the routes and imports this module on the first request."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from domain.request import (FieldError, InvalidRequest, LinkRequest, decode_body, decode_link_request,
                            hidden_character_error)
from triggers import link_actions as actions
from triggers.problems import json_response, problem, problem_response
from triggers.request_checks import refuse_unless_json_from_own_site
from triggers.settings import AppSettings

MAX_BODY_BYTES = 64 * 1024
MAX_PREFLIGHT_WAIT_SECONDS = 120
_WAIT_POLL_SECONDS = 0.25


def _json_body(req: func.HttpRequest) -> Any:
    return decode_body(req.get_body() or b"", where="(body)", max_bytes=MAX_BODY_BYTES)


def _invalid(exc: InvalidRequest) -> func.HttpResponse:
    return problem_response(problem(400, "Bad Request", "The request is not valid: " + str(exc),
                                    errors=[{"field": e.field, "message": e.message} for e in exc.errors]))


def _link_request(req: func.HttpRequest, settings: AppSettings) -> LinkRequest | func.HttpResponse:
    """The link request in the body, or the response refusing it (another site, not JSON, not valid)."""
    if refusal := refuse_unless_json_from_own_site(req, settings):
        return refusal
    try:
        return decode_link_request(req.get_body() or b"", where="(body)", max_bytes=MAX_BODY_BYTES,
                                   default_setup_mode=settings.default_setup_mode,
                                   default_confirmation_timeout=settings.default_confirmation_timeout)
    except InvalidRequest as exc:
        return _invalid(exc)


def _action_response(result: actions.ActionResult) -> func.HttpResponse:
    if result.problem:
        return problem_response(result.problem)
    return json_response(result.body, status_code=result.status_code)


async def start_link(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    settings = AppSettings.from_env()
    request = _link_request(req, settings)
    if isinstance(request, func.HttpResponse):
        return request
    base = actions.base_url_of(req, settings)
    started = await actions.start_link(client, request, base, settings, actions.requester("http", req.headers))
    links = actions.links_for(base, started.instance_id)
    if not started.created:
        return problem_response(problem(
            409, "Conflict", f"Environment {request.lcsEnvironmentId} already has a link run in phase "
                             f"{started.existing['phase']}; it can be linked only once.",
            instanceId=started.instance_id, phase=started.existing["phase"], links=links),
            headers={"Location": links["self"]})
    return json_response({"instanceId": started.instance_id, "links": links}, 202,
                         headers={"Location": links["self"], "Retry-After": "5"})


async def run_preflight(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    settings = AppSettings.from_env()
    request = _link_request(req, settings)
    if isinstance(request, func.HttpResponse):
        return request
    try:
        wait = _wait_seconds(req.params.get("wait"))
    except InvalidRequest as exc:
        return _invalid(exc)
    base = actions.base_url_of(req, settings)
    instance_id = f"preflight-{uuid.uuid4()}"
    await actions.start_preflight(client, request, base, settings, instance_id)
    document = await _wait_until_done(client, instance_id, base, wait)
    if document and document["runtimeStatus"] == "Completed":
        return json_response({key: document.get(key) for key in
                              ("instanceId", "phase", "checks", "validatedAt", "operatorDisplayName", "outcome",
                               "request", "links")})
    links = actions.links_for(base, instance_id)
    return json_response({"instanceId": instance_id, "links": links}, 202, headers={"Location": links["self"]})


def _wait_seconds(text: str | None) -> float:
    if text is None:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= MAX_PREFLIGHT_WAIT_SECONDS:
        raise InvalidRequest([FieldError("wait", f"must be a number of seconds from 0 to {MAX_PREFLIGHT_WAIT_SECONDS}")])
    return value


async def _wait_until_done(client, instance_id: str, base: str, wait: float) -> dict[str, Any] | None:
    loop = asyncio.get_running_loop()
    until = loop.time() + wait
    while True:
        document = await actions.load_status(client, instance_id, base)
        if (document and document["runtimeStatus"] not in ("Running", "Pending")) or loop.time() >= until:
            return document
        await asyncio.sleep(_WAIT_POLL_SECONDS)


async def list_links(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    items = await actions.list_links(client, actions.base_url_of(req), req.params.get("phase"))
    return json_response({"items": items})


async def get_link(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    instance_id = req.route_params["instanceId"]
    document = await actions.load_status(client, instance_id, actions.base_url_of(req))
    if document is None:
        return problem_response(problem(404, "Not Found", f"There is no link or preflight {instance_id}."))
    return json_response(document)


async def _pass_on(req: func.HttpRequest, client, submit, field: str) -> func.HttpResponse:
    """Confirm and cancel alike: a JSON object body, one field of it, the caller's identity."""
    settings = AppSettings.from_env()
    if refusal := refuse_unless_json_from_own_site(req, settings):
        return refusal
    try:
        body = _json_body(req) if req.get_body() else {}
    except InvalidRequest as exc:
        return _invalid(exc)
    if not isinstance(body, dict):
        return _invalid(InvalidRequest([FieldError("(body)", "must be a JSON object")]))
    if hidden := hidden_character_error(body.get(field)):
        return _invalid(InvalidRequest([FieldError(field, hidden)]))
    return _action_response(await submit(client, req.route_params["instanceId"], body.get(field), req.headers,
                                         settings, actions.base_url_of(req, settings)))


async def confirm_link(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    return await _pass_on(req, client, actions.submit_confirmation, "typedName")


async def cancel_link(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    return await _pass_on(req, client, actions.submit_cancel, "reason")
