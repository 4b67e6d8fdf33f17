"""What every state-changing JSON route checks before it reads the body or records anything."""

from __future__ import annotations

import azure.functions as func

from triggers.cross_site import cross_site_refusal
from triggers.problems import problem, problem_response
from triggers.settings import AppSettings

JSON_TYPE = "application/json"


def refuse_unless_json_from_own_site(req: func.HttpRequest, settings: AppSettings) -> func.HttpResponse | None:
    """403 for a request another site made a browser send; 415 for a body that is not declared
    JSON (a cross-site form or `text/plain` post needs no CORS preflight; `application/json` does,
    and the app grants none). None when the request may go on."""
    if reason := cross_site_refusal(req, settings.public_base_url):
        return problem_response(problem(403, "Forbidden", f"Refused as a cross-site request: {reason}."))
    if (req.get_body() or req.headers.get("content-type")) and not _is_json(req.headers.get("content-type")):
        return problem_response(problem(415, "Unsupported Media Type",
                                        "Send the body as application/json (UTF-8)."),
                                headers={"Accept-Post": JSON_TYPE})
    return None


def _is_json(content_type: str | None) -> bool:
    media, *parameters = (content_type or "").split(";")
    charset = next((p.split("=", 1)[1].strip().strip('"').lower() for p in parameters
                    if p.strip().lower().startswith("charset=")), "utf-8")
    return media.strip().lower() == JSON_TYPE and charset == "utf-8"
