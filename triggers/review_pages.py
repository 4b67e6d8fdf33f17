"""The review page and its confirmation form (see triggers.review for the routes).

The form confirms through the same function as `POST /api/links/{id}/confirm`
(`triggers.link_actions.submit_confirmation`), so identity rules and validation live in one place.
"""
from __future__ import annotations

import logging
from typing import Mapping
from urllib.parse import parse_qs, urlencode, urlsplit

import azure.functions as func

from domain.request import hidden_character_error
from triggers.cross_site import cross_site_refusal
from triggers.link_actions import base_url_of, load_status, submit_confirmation
from triggers.settings import AppSettings
from triggers.task_hub import TaskHubUnavailable
from webui import PAGE_HEADERS, render_not_found_page, render_review_page
from webui.notices import RESULT, SUBMITTED, notice_for, refusal_for_status
from domain.run_progress import attempts_marker

_FORM_TYPE = "application/x-www-form-urlencoded"
_MAX_FORM_FIELDS = 10
log = logging.getLogger(__name__)


async def show_review(req: func.HttpRequest, client) -> func.HttpResponse:
    instance_id = req.route_params["instanceId"]
    status = await load_status(client, instance_id, base_url_of(req))
    if status is None:
        return _html(render_not_found_page(instance_id), 404)
    message, kind = notice_for(req.params, status)
    page = render_review_page(status, confirm_action_url=_path_of(req), message=message,
                              message_kind=kind)
    return _html(page, 200)


async def submit_review(req: func.HttpRequest, client) -> func.HttpResponse:
    """Post/redirect/get: every outcome goes back to the review page, which then says what
    happened (the orchestration decides on the name after the event is raised)."""
    review_path = _path_of(req)
    if refusal := cross_site_refusal(req, AppSettings.from_env().public_base_url, form=True):
        log.warning("review form post refused: %s", refusal)
        return _see_other(review_path, {RESULT: "cross-site"})
    form = _form_of(req)
    if form is None or hidden_character_error(form.get("typedName")):
        return _see_other(review_path, {RESULT: "invalid"})
    if form.get("acknowledge") != "yes":
        return _see_other(review_path, {RESULT: "acknowledge"})
    try:
        return _see_other(review_path, await _confirm(req, client, form.get("typedName", "")))
    except TaskHubUnavailable:  # nothing was recorded; the page says to try again in a moment
        return _see_other(review_path, {RESULT: refusal_for_status(503)})


async def _confirm(req: func.HttpRequest, client, typed_name: str) -> dict[str, str]:
    """The review page's query that says what became of the confirmation."""
    instance_id = req.route_params["instanceId"]
    base_url = base_url_of(req)
    status = await load_status(client, instance_id, base_url)
    if status is None:
        return {RESULT: "not-found"}
    before = attempts_marker(status)
    result = await submit_confirmation(client, instance_id, typed_name, req.headers, base_url=base_url)
    if result.status_code == 202:
        return {SUBMITTED: before}
    return {RESULT: refusal_for_status(result.status_code)}


def _form_of(req: func.HttpRequest) -> Mapping[str, str] | None:
    content_type = req.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != _FORM_TYPE:
        return None
    try:
        fields = parse_qs(req.get_body().decode("ascii"), max_num_fields=_MAX_FORM_FIELDS,
                          encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        return None
    return {key: values[0] for key, values in fields.items()}


def _path_of(req: func.HttpRequest) -> str:
    # A path, not an absolute URL: the page and its redirects stay on whatever origin the browser
    # used (the form's CSP says form-action 'self').
    return urlsplit(req.url).path


def _see_other(path: str, query: Mapping[str, str]) -> func.HttpResponse:
    headers = dict(PAGE_HEADERS, Location=f"{path}?{urlencode(query)}")
    return func.HttpResponse(status_code=303, headers=headers)


def _html(page: str, status_code: int) -> func.HttpResponse:
    return func.HttpResponse(page, status_code=status_code, headers=dict(PAGE_HEADERS),
                             mimetype="text/html", charset="utf-8")
