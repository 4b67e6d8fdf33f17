"""What every fact activity shares: the blueprint, its registration, and its body around the fetcher.

Fact activity modules are loaded with the app, their fact classes and services with their first
call: a fetcher imports the domain's classes and any service module in its body (cold start).
"""

from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING, Any, Callable

import azure.durable_functions as df

from activities.clients import gather, traced

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

    from domain.facts.base import FactSpec
    from domain.request import LinkRequest

bp = df.Blueprint()
Fetcher = Callable[[dict[str, Any]], Any]


def fact_activity(function: Callable[[dict], dict]) -> Callable[[dict], dict]:
    """Registers `function` as the activity of its own name (which its fact's declaration names: a
    test holds them together); returns it unchanged, so it stays callable by name."""
    bp.function_name(function.__name__)(bp.activity_trigger(input_name="payload")(function))
    return function


def gather_fact(fact: "FactSpec", payload: dict[str, Any], fetch: Fetcher) -> dict[str, Any]:
    """The body of every fact activity: fetch one fact; a service failure becomes its error."""
    with traced(fact.activity, payload) as span:
        result = gather(fact.name, lambda: fetch(payload))
        error = result["error"] or {}
        span.status("error" if error else "ok", errorCode=error.get("code"), httpStatus=error.get("status"))
        return result


def request_of(payload: dict[str, Any]) -> LinkRequest:
    from domain.request import LinkRequest

    return LinkRequest.from_dict(payload["request"])


def in_context(pool: "ThreadPoolExecutor", call: Callable[..., Any], *args: Any) -> "Future":
    """Runs `call` in a copy of this context, so its telemetry span stays a child of the activity's."""
    return pool.submit(contextvars.copy_context().run, call, *args)
