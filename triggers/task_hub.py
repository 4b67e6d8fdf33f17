"""When the app's storage fails (the task hub's, or the status store's): 503 with Retry-After, never
an empty 500.

The Durable extension answers its HTTP API with a 5xx when its storage fails (full, throttled,
unreachable), and the Python SDK turns that into a bare `Exception` whose text depends on the
call. The status code is still known one level down, in the client's request functions, which the
SDK keeps as attributes of each client: wrapping them is the one place to tell "the task hub is
down" from every other error. Nothing is half-written: a start or an event the task hub refused
was not stored, so the caller can simply send it again.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, Awaitable, Callable

import aiohttp
import azure.functions as func

from triggers.problems import problem, problem_response

RETRY_AFTER_SECONDS = 30
_REQUEST_ATTRIBUTES = ("_post_async_request", "_get_async_request", "_delete_async_request")
log = logging.getLogger(__name__)


class TaskHubUnavailable(Exception):
    retry_after_seconds = RETRY_AFTER_SECONDS


def guard_client(client: Any) -> Any:
    """`client` (a DurableOrchestrationClient), raising TaskHubUnavailable for a 5xx or no answer."""
    for name in _REQUEST_ATTRIBUTES:
        request = getattr(client, name)  # AttributeError: the SDK changed; tests/triggers catches it
        if not getattr(request, "guarded", False):
            setattr(client, name, _checked(request))
    return client


def _checked(request: Callable[..., Awaitable[list[Any]]]) -> Callable[..., Awaitable[list[Any]]]:
    async def call(*args: Any, **kwargs: Any) -> list[Any]:
        try:
            answer = await request(*args, **kwargs)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:  # ValueError: not JSON
            raise TaskHubUnavailable(f"the task hub did not answer ({type(error).__name__})") from None
        if answer[0] >= 500:
            raise TaskHubUnavailable(f"the task hub answered {answer[0]}")
        return answer
    call.guarded = True  # type: ignore[attr-defined]
    return call


def unavailable_response(seconds: int = RETRY_AFTER_SECONDS) -> func.HttpResponse:
    return problem_response(problem(
        503, "Service Unavailable", "The app's storage can't take the request now; nothing was recorded. "
        f"Send it again in {seconds} seconds."), headers={"Retry-After": str(seconds)})


def answers_503_when_storage_fails(route: Callable[..., Awaitable[func.HttpResponse]]):
    """For a route `async def f(req, client)`: its client guarded; the task hub or the status store
    being unavailable is a 503 with the store's own Retry-After."""
    @functools.wraps(route)
    async def guarded_route(req: func.HttpRequest, client: Any) -> func.HttpResponse:
        from services.status_store import StatusStoreUnavailable  # on the first request, not at cold start

        try:
            return await route(req, guard_client(client))
        except (TaskHubUnavailable, StatusStoreUnavailable) as exc:
            log.warning("storage unavailable: %s", exc)
            return unavailable_response(exc.retry_after_seconds)
    return guarded_route
