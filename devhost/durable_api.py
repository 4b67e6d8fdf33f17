"""The Durable extension's HTTP API (/runtime/webhooks/durabletask/...), with the extension's status codes.

DurableOrchestrationClient calls it through rpcBaseUrl; the check-status
response advertises the same routes to callers.
"""
from __future__ import annotations

import json
import sqlite3
from typing import Any, Callable
from urllib.parse import quote, unquote

from werkzeug.wrappers import Request, Response

from . import history as h
from .client import DurableClient, InvalidInstanceId, UnknownOrchestrator
from .store import Instance
from .timeutil import fmt_event, parse_iso

PREFIX = "/runtime/webhooks/durabletask"


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers or {}, content_type="application/json; charset=utf-8")


def _empty(status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(b"", status=status, headers=headers or {})


def _error(status: int, message: str, exception: BaseException | None = None) -> Response:
    """The shape of ASP.NET's CreateErrorResponse (HttpError), which the SDK reads ExceptionMessage from."""
    body: dict[str, Any] = {"Message": message}
    if exception is not None:
        body.update(ExceptionMessage=str(exception), ExceptionType=type(exception).__name__)
    return _json(status, body)


def json_text_or_none(body: bytes) -> str | None:
    """The request body as JSON text (validated), or None when empty."""
    if not body or not body.strip():
        return None
    text = body.decode("utf-8")
    json.loads(text)
    return text


def _flag(request: Request, name: str, default: bool) -> bool:
    value = request.args.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return default


class DurableApi:
    def __init__(self, client: DurableClient, hub_name: str) -> None:
        self.client = client
        self.hub_name = hub_name

    # -- URLs -----------------------------------------------------------------
    def _query(self) -> str:
        return f"taskHub={quote(self.hub_name)}&connection=Storage"

    def management_urls(self, origin: str, instance_id: str) -> dict[str, str]:
        base = f"{origin}{PREFIX}/instances/{quote(instance_id, safe='')}"
        query = self._query()
        return {
            "id": instance_id,
            "statusQueryGetUri": f"{base}?{query}",
            "sendEventPostUri": f"{base}/raiseEvent/{{eventName}}?{query}",
            "terminatePostUri": f"{base}/terminate?reason={{text}}&{query}",
            "purgeHistoryDeleteUri": f"{base}?{query}",
            "restartPostUri": f"{base}/restart?{query}",
            "suspendPostUri": f"{base}/suspend?reason={{text}}&{query}",
            "resumePostUri": f"{base}/resume?reason={{text}}&{query}",
        }

    def client_binding(self, origin: str) -> dict[str, Any]:
        """The durableClient binding value; the SDK builds DurableOrchestrationClient from it."""
        urls = self.management_urls(origin, "INSTANCEID")
        urls["id"] = "INSTANCEID"
        urls["rewindPostUri"] = f"{origin}{PREFIX}/instances/INSTANCEID/rewind?reason={{text}}&{self._query()}"
        start = f"{origin}{PREFIX}/orchestrators/{{functionName}}[/{{instanceId}}]"
        return {
            "taskHubName": self.hub_name,
            "creationUrls": {
                "createNewInstancePostUri": f"{start}?{self._query()}",
                "createAndWaitOnNewInstancePostUri": (
                    f"{start}?timeout={{timeoutInSeconds}}&pollingInterval={{intervalInSeconds}}&{self._query()}"
                ),
            },
            "managementUrls": urls,
            "baseUrl": f"{origin}{PREFIX}",
            "requiredQueryStringParameters": "",
            "rpcBaseUrl": f"{origin}{PREFIX}/",
            "httpBaseUrl": "",
        }

    def check_status_response(self, origin: str, instance_id: str) -> Response:
        payload = self.management_urls(origin, instance_id)
        headers = {"Location": payload["statusQueryGetUri"], "Retry-After": "10"}
        return _json(202, payload, headers)

    # -- dispatch -------------------------------------------------------------
    def handle(self, request: Request, raw_path: str) -> Response:
        path = raw_path[len(PREFIX):].strip("/")
        parts = [unquote(p) for p in path.split("/")] if path else []
        method = request.method.upper()
        origin = request.host_url.rstrip("/")
        try:
            if parts[:1] == ["orchestrators"] and len(parts) in (2, 3):
                if method != "POST":
                    return _empty(404)
                return self._start(request, origin, parts[1], parts[2] if len(parts) == 3 else None)
            if parts[:1] == ["instances"]:
                return self._instances(request, origin, method, parts[1:])
            if parts[:1] == ["entities"]:
                return _error(501, "devhost does not support Durable Entities")
            return _empty(404)
        except (UnknownOrchestrator, InvalidInstanceId) as bad:
            return _error(400, "One or more of the arguments submitted is incorrect", bad)
        except sqlite3.OperationalError as failure:
            # The task hub's storage failed (disk full, locked): the extension answers 500 then.
            return _error(500, "An error has occurred.", failure)

    def _instances(self, request: Request, origin: str, method: str, rest: list[str]) -> Response:
        if not rest:
            if method == "GET":
                return self._list(request)
            if method == "DELETE":
                return self._purge_many(request)
            return _empty(404)
        instance_id = rest[0]
        if len(rest) == 1:
            if method == "GET":
                return self._status(request, instance_id)
            if method == "DELETE":
                return self._purge(instance_id)
            return _empty(404)
        if method != "POST":
            return _empty(404)
        operation = rest[1].lower()
        if operation == "raiseevent" and len(rest) == 3:
            return self._raise(request, instance_id, rest[2])
        reason = request.args.get("reason")
        operations: dict[str, Callable[[str, str | None], tuple[Instance | None, bool]]] = {
            "terminate": self.client.terminate,
            "suspend": self.client.suspend,
            "resume": self.client.resume,
        }
        if operation in operations and len(rest) == 2:
            instance, posted = operations[operation](instance_id, reason)
            return _empty(404 if instance is None else (202 if posted else 410))
        if operation == "restart" and len(rest) == 2:
            return self._restart(request, origin, instance_id)
        if operation == "rewind":
            return _error(501, "devhost does not support rewind")
        return _empty(404)

    def _start(self, request: Request, origin: str, name: str, instance_id: str | None) -> Response:
        try:
            input_text = json_text_or_none(request.get_data())
        except ValueError as invalid:
            return _error(400, "Invalid JSON content", invalid)
        result = self.client.start_new(name, instance_id or None, input_text, request.args.get("version"))
        if not result.started:
            return _error(
                409, f"An instance with ID '{result.instance_id}' already exists "
                f"(runtimeStatus {result.existing.runtime_status if result.existing else 'unknown'})."
            )
        return self.check_status_response(origin, result.instance_id)

    def _restart(self, request: Request, origin: str, instance_id: str) -> Response:
        instance = self.client.store.get_instance(instance_id)
        if instance is None:
            return _error(400, "InstanceId does not match a valid orchestration instance.")
        new_id = None if _flag(request, "restartWithNewInstanceId", True) else instance_id
        result = self.client.start_new(instance.name, new_id, instance.input, instance.version)
        if not result.started:
            return _error(409, "A non-terminal instance with this instance ID already exists.")
        return self.check_status_response(origin, result.instance_id)

    def _raise(self, request: Request, instance_id: str, event_name: str) -> Response:
        instance = self.client.store.get_instance(instance_id)
        if instance is None:
            return _empty(404)
        if instance.runtime_status in h.TERMINAL:
            return _empty(410)
        if (request.mimetype or "").lower() != "application/json":
            return _error(400, "Only application/json request content is supported")
        try:
            data = json_text_or_none(request.get_data())
        except ValueError as invalid:
            return _error(400, "Invalid JSON content", invalid)
        instance, posted = self.client.raise_event(instance_id, event_name, data if data is not None else "null")
        return _empty(404 if instance is None else (202 if posted else 410))

    def _status(self, request: Request, instance_id: str) -> Response:
        instance = self.client.store.get_instance(instance_id)
        if instance is None:
            return _empty(404)
        document = self.client.status_document(
            instance,
            _flag(request, "showHistory", False),
            _flag(request, "showHistoryOutput", False),
            _flag(request, "showInput", True),
        )
        status = instance.runtime_status
        if status in h.ACTIVE:
            return _json(202, document, {"Location": request.url, "Retry-After": "5"})
        if status == "Failed" and _flag(request, "returnInternalServerErrorOnFailure", False):
            return _json(500, document)
        return _json(200, document)

    def _filters(self, request: Request) -> dict[str, Any]:
        def stamp(name: str) -> str | None:
            value = request.args.get(name)
            return fmt_event(parse_iso(value)) if value else None

        statuses: list[str] = []
        for value in request.args.getlist("runtimeStatus"):
            for item in value.split(","):
                match = next((s.name for s in h.OrchestrationStatus if s.name.lower() == item.strip().lower()), None)
                if match:
                    statuses.append(match)
        return {"created_from": stamp("createdTimeFrom"), "created_to": stamp("createdTimeTo"), "statuses": statuses}

    def _list(self, request: Request) -> Response:
        filters = self._filters(request)
        top = request.args.get("top", type=int)
        after = request.headers.get("x-ms-continuation-token") or None
        instances = self.client.store.list_instances(
            prefix=request.args.get("instanceIdPrefix") or None,
            after=after,
            limit=(top + 1) if top else None,
            **filters,
        )
        headers = {}
        if top and len(instances) > top:
            instances = instances[:top]
            headers["x-ms-continuation-token"] = instances[-1].instance_id
        show_input = _flag(request, "showInput", True)
        body = [self.client.status_document(i, False, False, show_input) for i in instances]
        return _json(200, body, headers)

    def _purge(self, instance_id: str) -> Response:
        instance, purged = self.client.purge(instance_id)
        if instance is None:
            return _empty(404)
        if not purged:
            return _json(
                412,
                f"Only orchestrations in a terminal state can be purged, but the orchestration with instance ID "
                f"{instance_id} has status {instance.runtime_status}",
            )
        return _json(200, {"instancesDeleted": 1})

    def _purge_many(self, request: Request) -> Response:
        filters = self._filters(request)
        if not filters["created_from"]:
            return _json(400, "Please provide value for 'createdTimeFrom' parameter.")
        deleted = 0
        for instance in self.client.store.list_instances(**filters):
            # Only finished instances are purged: purging a running one would orphan its work.
            if instance.runtime_status in h.TERMINAL and self.client.purge(instance.instance_id)[1]:
                deleted += 1
        if not deleted:
            return _empty(404)
        return _json(200, {"instancesDeleted": deleted})
