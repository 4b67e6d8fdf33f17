"""The activities' way to the service clients, and how a client failure becomes a fact error.

Everything but this module's own code is imported on first use, not when the app loads: the clients
pull in azure-identity and msal, and the request model, the errors and telemetry cost cold-start
time too (a Consumption plan's cold start is every module the app loads).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Callable, Iterator

if TYPE_CHECKING:
    from domain.facts import FactError
    from services import telemetry
    from services.errors import ServiceError


def clients():
    from services.clients import get_clients
    return get_clients()


def fact_error(exc: ServiceError) -> "FactError":
    from domain.facts import FactError
    from services.errors import ServiceUnavailable, Throttled

    return FactError(service=exc.service, operation=exc.operation, message=exc.message, status=exc.status,
                     code=exc.code, remedy=getattr(exc, "remedy", None) or _permission_remedy(exc),
                     transient=isinstance(exc, (Throttled, ServiceUnavailable)) or getattr(exc, "transient", False),
                     retry_after=getattr(exc, "retry_after", None))


def _permission_remedy(exc: ServiceError) -> str | None:
    """A 403 means the app's identity lacks a grant: name it and how to give it."""
    from services.errors import PermissionDenied

    if isinstance(exc, PermissionDenied) and exc.status == 403:
        from domain.permissions import remedy_for

        return remedy_for(exc.service, exc.operation)
    return None


@contextlib.contextmanager
def traced(activity: str, payload: dict[str, Any]) -> Iterator[telemetry.Span]:
    """The activity's span. Link-only activities get no instanceId in their input: a link's is
    `link-<lcsEnvironmentId>` by contract (fact activities, shared with preflight, get it passed)."""
    from domain.request import LinkRequest
    from services import telemetry

    request = LinkRequest.from_dict(payload["request"])
    with telemetry.activity_span(activity, payload.get("instanceId") or request.instance_id,
                                 request.correlationId, request.operator) as span:
        yield span


def gather(name: str, fetch: Callable[[], Any]) -> dict[str, Any]:
    """Run one fact fetch; a service failure (after the HTTP policy's retries) becomes the fact's error."""
    from domain.facts import FactResult
    from services.errors import ServiceError

    try:
        return FactResult(name, value=fetch()).to_json()
    except ServiceError as exc:
        return FactResult(name, error=fact_error(exc)).to_json()
