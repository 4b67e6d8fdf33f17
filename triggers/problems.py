"""RFC 9457 problem documents: every error the API returns says what went wrong and where."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func

PROBLEM_JSON = "application/problem+json"


def problem(status: int, title: str, detail: str, **extensions: Any) -> dict[str, Any]:
    return {"type": "about:blank", "title": title, "status": status, "detail": detail, **extensions}


def problem_response(document: dict[str, Any], headers: dict[str, str] | None = None) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(document), status_code=document["status"], mimetype=PROBLEM_JSON,
                             headers=headers)


def json_response(body: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(body), status_code=status_code, mimetype="application/json", headers=headers)
