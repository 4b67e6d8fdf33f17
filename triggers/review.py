"""HTTP routes for people: the review page of a run, its confirmation form, and the API description.

The pages themselves are made in `triggers.review_pages`, imported on the first page view: the
review page is rarely served, and the app's cold start should not pay for its templates.
"""
from __future__ import annotations

import functools
import pathlib

import azure.durable_functions as df
import azure.functions as func

from triggers.task_hub import answers_503_when_storage_fails

OPENAPI_PATH = pathlib.Path(__file__).resolve().parent.parent / "openapi.json"

bp = df.Blueprint()


@bp.route(route="links/{instanceId}/review", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@bp.durable_client_input(client_name="client")
@answers_503_when_storage_fails
async def review_page(req: func.HttpRequest, client) -> func.HttpResponse:
    from triggers.review_pages import show_review
    return await show_review(req, client)


@bp.route(route="links/{instanceId}/review", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@bp.durable_client_input(client_name="client")
@answers_503_when_storage_fails
async def review_confirm(req: func.HttpRequest, client) -> func.HttpResponse:
    from triggers.review_pages import submit_review
    return await submit_review(req, client)


@bp.route(route="openapi.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def openapi_document(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(_openapi_bytes(), status_code=200, mimetype="application/json",
                             charset="utf-8", headers={"Cache-Control": "no-cache"})


@functools.cache
def _openapi_bytes() -> bytes:
    return OPENAPI_PATH.read_bytes()
