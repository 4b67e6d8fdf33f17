"""What the HTTP routes, the review page and the queue intake have in common: starting a link once,
reading its status document, and passing on a confirmation or a cancellation.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlsplit

import azure.durable_functions as df
import azure.functions as func

from domain import phases
from domain.request import LinkRequest
from domain.status_document import StatusDocument
from domain.values import iso
from orchestrators.options import CANCEL_EVENT, CONFIRM_EVENT
from orchestrators.projection import CONTRACT_VERSION, overlay
from services.status_store import StatusStore
from triggers.identity import MalformedPrincipal, Principal, principal_from_headers
from triggers.problems import problem
from triggers.settings import AppSettings

LINK_ORCHESTRATOR = "link_environment"
PREFLIGHT_ORCHESTRATOR = "preflight"
_RUNNING = {df.OrchestrationRuntimeStatus.Running, df.OrchestrationRuntimeStatus.Pending,
            df.OrchestrationRuntimeStatus.ContinuedAsNew}
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActionResult:
    status_code: int
    problem: dict[str, Any] | None = None
    body: dict[str, Any] | None = None


def base_url_of(req: func.HttpRequest, settings: AppSettings | None = None) -> str:
    configured = (settings or AppSettings.from_env()).public_base_url
    if configured:
        return configured
    parts = urlsplit(req.url)
    return f"{parts.scheme}://{parts.netloc}"


def links_for(base_url: str, instance_id: str) -> dict[str, str]:
    own = f"{base_url}/api/links/{instance_id}"
    return {"self": own, "review": f"{own}/review", "confirm": f"{own}/confirm", "cancel": f"{own}/cancel"}


async def _raw_status(client: df.DurableOrchestrationClient, instance_id: str):
    try:
        status = await client.get_status(instance_id, show_input=True)
    except (TypeError, ValueError):  # the SDK cannot parse the empty body of a 404
        return None
    return status if status is not None and status.runtime_status is not None else None


def live_state(status) -> dict[str, Any]:
    """What the orchestration shows of itself: its output once done, else its custom status. From
    contract version 2 on that is the small projection (orchestrators/projection.py); runs started
    before show their whole document."""
    state = status.output if isinstance(status.output, dict) and status.output.get("phase") else status.custom_status
    if isinstance(state, dict):
        return dict(state)
    # Not run yet (Pending): it shows nothing, but the request it was started with is known.
    request = _started_with(status).get("request")
    return {"request": request} if isinstance(request, dict) else {}


def _started_with(status) -> dict[str, Any]:
    """The orchestration's input. The Python SDK sends it as JSON text, which the host keeps as a
    string, so the status shows it as a string of JSON rather than as an object."""
    started_with = getattr(status, "input_", None)
    if isinstance(started_with, str):
        try:
            started_with = json.loads(started_with)
        except ValueError:
            return {}
    return started_with if isinstance(started_with, dict) else {}


# What a run's first document holds beyond its projection, all of it given in the run's input.
_FROM_INPUT = ("request", "previousRuns", "requestedBy")


def complete_document(live: dict[str, Any], store: StatusStore | None = None,
                      started_with: dict[str, Any] | None = None) -> dict[str, Any]:
    """The full status document: the stored version overlaid with the live projection. The projection
    decides the phase (the HTTP layer acts on it) and holds what changes between writes (progress);
    the store holds the rest. Until the first write lands (from contract 3 on it goes out beside the
    first facts), the rest is what the run was started with. Raises StatusStoreUnavailable when the
    store can't be read."""
    name = live.pop("document", None)
    if name is None:
        return live  # a run started before the status store keeps its whole document live
    stored = (store or StatusStore.from_environment()).load(name)
    if stored is None and started_with:
        stored = {key: started_with[key] for key in _FROM_INPUT if started_with.get(key) is not None}
    return overlay(live, stored)


def status_document(status, base_url: str, store: StatusStore | None = None) -> dict[str, Any]:
    """The orchestration's document plus the host's view of the instance."""
    document = complete_document(live_state(status), store, _started_with(status))
    runtime = status.runtime_status
    _mark_failed_runtime(document, runtime)
    document.update(instanceId=status.instance_id, runtimeStatus=runtime.value,
                    createdTime=_iso(status.created_time), lastUpdatedTime=_iso(status.last_updated_time),
                    links=links_for(base_url, status.instance_id))
    return document


def _mark_failed_runtime(document: dict[str, Any], runtime) -> None:
    if runtime in (df.OrchestrationRuntimeStatus.Failed, df.OrchestrationRuntimeStatus.Terminated):
        typed = StatusDocument.of(document)
        if typed.end_unexpectedly(f"The orchestration was {runtime.value.lower()}."):
            document.update(phase=typed.phase, outcome=typed.outcome.to_json())
    document.setdefault("phase", phases.VALIDATING)


def _iso(moment) -> str | None:
    return iso(moment) if moment else None


async def load_status(client: df.DurableOrchestrationClient, instance_id: str, base_url: str) -> dict[str, Any] | None:
    status = await _raw_status(client, instance_id)
    return status_document(status, base_url) if status else None


async def list_links(client: df.DurableOrchestrationClient, base_url: str, phase: str | None) -> list[dict[str, Any]]:
    """From what each run shows live (its projection), never from the stored documents."""
    statuses = await client.get_status_by(instance_id_prefix="link-")
    items = []
    for status in statuses:
        live = live_state(status)
        _mark_failed_runtime(live, status.runtime_status)
        if phase and live["phase"] != phase:
            continue
        request = live.get("request") or {}
        items.append({"instanceId": status.instance_id, "phase": live["phase"], "kind": live.get("kind", "link"),
                      "lcsEnvironmentId": request.get("lcsEnvironmentId"),
                      "powerPlatformEnvironmentId": request.get("powerPlatformEnvironmentId"),
                      "operator": request.get("operator"), "setupMode": request.get("setupMode"),
                      "correlationId": request.get("correlationId"), "createdTime": _iso(status.created_time),
                      "lastUpdatedTime": _iso(status.last_updated_time),
                      "links": links_for(base_url, status.instance_id)})
    return sorted(items, key=lambda i: i["createdTime"] or "")


@dataclass(frozen=True)
class StartResult:
    instance_id: str
    created: bool
    existing: dict[str, Any] | None = None


def _blocks_new_run(document: dict[str, Any]) -> bool:
    """A run that is alive, or that got as far as starting setup, owns the environment for good."""
    if document["runtimeStatus"] in {s.value for s in _RUNNING}:
        return True
    return StatusDocument.of(document).setup_may_have_started()


def requester(channel: str, headers: Mapping[str, str] | None = None, message_id: str | None = None) -> dict[str, Any]:
    """Who asked for a run, for its audit record: the signed-in caller of the API when App Service
    Authentication names one (a principal that does not decode is recorded as none), or the queue
    message that carried the request."""
    try:
        principal = principal_from_headers(headers or {})
    except MalformedPrincipal:
        principal = None
    by = {"name": principal.name, "objectId": principal.object_id} if principal else None
    return {"channel": channel, "principal": by, "messageId": message_id}


async def start_link(client: df.DurableOrchestrationClient, request: LinkRequest, base_url: str,
                     settings: AppSettings, requested_by: dict[str, Any] | None = None) -> StartResult:
    instance_id = request.instance_id
    existing = await load_status(client, instance_id, base_url)
    if existing and _blocks_new_run(existing):
        return StartResult(instance_id, created=False, existing=existing)
    options = settings.run_options(links_for(base_url, instance_id))
    payload = {"version": CONTRACT_VERSION, "runId": str(uuid.uuid4()), "request": request.to_dict(),
               "options": options.to_json(), "requestedBy": requested_by}
    if existing:
        payload["previousRuns"] = [StatusDocument.of(existing).run_summary(), *existing.get("previousRuns", [])]
    try:
        await client.start_new(LINK_ORCHESTRATOR, instance_id, payload)
    except Exception:
        # Another request won the race to create this instance (the task hub refuses to replace a
        # running one); report the instance it created.
        now = await load_status(client, instance_id, base_url)
        if now and _blocks_new_run(now):
            return StartResult(instance_id, created=False, existing=now)
        raise
    if existing:
        log.info("link %s restarted after earlier run ended %s", instance_id, existing["phase"])
    return StartResult(instance_id, created=True)


async def start_preflight(client: df.DurableOrchestrationClient, request: LinkRequest, base_url: str,
                          settings: AppSettings, instance_id: str) -> None:
    options = settings.run_options(links_for(base_url, instance_id))
    await client.start_new(PREFLIGHT_ORCHESTRATOR, instance_id, {"version": CONTRACT_VERSION, "runId": str(uuid.uuid4()),
                                                                 "request": request.to_dict(),
                                                                 "options": options.to_json()})


def _authorize(headers: Mapping[str, str], request: dict[str, Any], settings: AppSettings) -> tuple[Principal | None, ActionResult | None]:
    try:
        principal = principal_from_headers(headers, settings.allowed_identity_providers)
    except MalformedPrincipal as exc:
        return None, ActionResult(403, problem(403, "Forbidden", f"The caller's identity is not valid: {exc}."))
    if principal is None:
        return None, ActionResult(401, problem(401, "Unauthorized", "Sign in: confirming and cancelling need an "
                                                                   "authenticated principal (App Service Authentication)."))
    operator = (request.get("operator") or "").lower()
    if principal.name.lower() != operator and not principal.is_one_of(settings.confirmers):
        return None, ActionResult(403, problem(403, "Forbidden", f"{principal.name} is neither the operator of this "
                                                                 "link nor listed in LINK_CONFIRMERS."))
    return principal, None


async def _act(client, instance_id: str, headers: Mapping[str, str], settings: AppSettings, base_url: str,
               allowed_phases: frozenset[str], wrong_phase: str, event: str, data: dict[str, Any]) -> ActionResult:
    found = await load_status(client, instance_id, base_url)
    document = found and StatusDocument.of(found)
    if document is None or document.kind == "preflight":
        return ActionResult(404, problem(404, "Not Found", f"There is no link {instance_id}."))
    principal, refusal = _authorize(headers, document.request or {}, settings)
    if refusal:
        return refusal
    if document.phase not in allowed_phases or document.runtime_status not in {s.value for s in _RUNNING}:
        return ActionResult(409, problem(409, "Conflict", wrong_phase.format(phase=document.phase),
                                         instanceId=instance_id, phase=document.phase))
    by = {"name": principal.name, "objectId": principal.object_id}
    # The attempt id lets the caller learn what became of this request: 202 only says the event was
    # delivered; the run records the id where it acted on it (confirmation.attempts, outcome.attemptId).
    attempt = {**data, "by": by, "attemptId": str(uuid.uuid4()), "runId": document.run_id}
    await client.raise_event(instance_id, event, attempt)
    return ActionResult(202, body={"instanceId": instance_id, **data, "by": by, "attemptId": attempt["attemptId"],
                                   "links": document.links})


async def submit_confirmation(client, instance_id: str, typed_name: str, headers: Mapping[str, str],
                              settings: AppSettings | None = None, base_url: str = "") -> ActionResult:
    if not isinstance(typed_name, str) or not typed_name.strip() or len(typed_name) > 256:
        return ActionResult(400, problem(400, "Bad Request", "typedName must be your name, as text of 1 to 256 "
                                                             "characters.", errors=[{"field": "typedName",
                                                                                    "message": "is required"}]))
    return await _act(client, instance_id, headers, settings or AppSettings.from_env(), base_url,
                      frozenset({phases.AWAITING_CONFIRMATION}),
                      "The link is {phase}, not awaiting confirmation.", CONFIRM_EVENT, {"typedName": typed_name})


async def submit_cancel(client, instance_id: str, reason: str | None, headers: Mapping[str, str],
                        settings: AppSettings | None = None, base_url: str = "") -> ActionResult:
    if reason is not None and (not isinstance(reason, str) or len(reason) > 1000):
        return ActionResult(400, problem(400, "Bad Request", "reason must be text of at most 1000 characters.",
                                         errors=[{"field": "reason", "message": "must be text"}]))
    return await _act(client, instance_id, headers, settings or AppSettings.from_env(), base_url,
                      phases.CANCELLABLE_PHASES,
                      "The link is {phase}: setup has started or the run has ended, so it can't be cancelled.",
                      CANCEL_EVENT, {"reason": reason})
