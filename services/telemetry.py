"""Traces for Application Insights: a span per activity and per service call, phase changes as events.

Off unless APPLICATIONINSIGHTS_CONNECTION_STRING is set. Then, on the first span (not at app import:
cold start), azure-monitor-opentelemetry is imported and configured, unless something in the process
(the Functions Python worker) already installed a tracer provider. The exporter signs in as
APPLICATIONINSIGHTS_AUTHENTICATION_STRING says (the managed identity in Azure). Only our spans are
exported: automatic spans (HTTP, Azure SDK) are off (their URLs carry query text) and logs keep going through
the Functions host, so nothing is sent twice.

A span carries ids (instanceId, correlationId), the service and operation, the outcome (status) and
the operator's UPN; never a token, a secret, a URL, a query or a body.
"""

from __future__ import annotations

import contextlib
import os
import threading
from contextvars import ContextVar
from typing import Any, Iterator, Mapping

CONNECTION_SETTING = "APPLICATIONINSIGHTS_CONNECTION_STRING"
TRACER_NAME = "finops_link"

# Every automatic instrumentation the distro offers, all off: their spans carry URLs with queries.
_AUTOMATIC_INSTRUMENTATIONS = ("azure_sdk", "django", "fastapi", "flask", "httpx", "httpx2", "psycopg2",
                               "requests", "urllib", "urllib3")
_OFF = object()
_lock = threading.Lock()
_tracer: Any = None  # None: not decided yet; _OFF: telemetry off; else an OpenTelemetry tracer
# The ids of the activity being run, for the service calls it makes (one activity per thread/task).
_run_ids: ContextVar[Mapping[str, str]] = ContextVar("telemetry_run_ids", default={})


class Span:
    """What instrumented code may say about its span; a no-op when telemetry is off."""

    def __init__(self, span: Any = None):
        self._span = span

    def status(self, value: str, **attributes: Any) -> None:
        if self._span is not None:
            self._span.set_attributes(_clean({"status": value, **attributes}))

    def event(self, name: str, **attributes: Any) -> None:
        if self._span is not None:
            self._span.add_event(name, _clean(attributes))


def enabled_in(environ: Mapping[str, str]) -> bool:
    return bool(environ.get(CONNECTION_SETTING, "").strip())


def use_tracer_provider(provider: Any | None) -> None:
    """Tests: send spans to `provider` (an SDK TracerProvider); None decides again from the environment."""
    global _tracer
    with _lock:
        _tracer = provider.get_tracer(TRACER_NAME) if provider is not None else None


@contextlib.contextmanager
def activity_span(activity: str, instance_id: str | None, correlation_id: str | None,
                  operator: str | None = None) -> Iterator[Span]:
    """One activity run. Service calls made inside it carry its instanceId and correlationId."""
    ids = _clean({"instanceId": instance_id, "correlationId": correlation_id})
    tracer = _get_tracer()
    if tracer is None:
        yield Span()
        return
    token = _run_ids.set(ids)
    try:
        with tracer.start_as_current_span(f"activity {activity}", attributes=_clean(
                {**ids, "activity": activity, "service": "link", "operator": operator})) as span:
            yield Span(span)
    finally:
        _run_ids.reset(token)


@contextlib.contextmanager
def service_call(service: str, operation: str, method: str, host: str | None) -> Iterator[Span]:
    """One call to a Microsoft service (retries included), as the HTTP policy makes it."""
    tracer = _get_tracer()
    if tracer is None:
        yield Span()
        return
    from opentelemetry.trace import SpanKind

    attributes = {**_run_ids.get(), "service": service, "operation": operation,
                  "http.request.method": method, "server.address": host}
    with tracer.start_as_current_span(f"{service} {operation}", kind=SpanKind.CLIENT,
                                      attributes=_clean(attributes)) as span:
        yield Span(span)


def _get_tracer() -> Any:
    global _tracer
    if _tracer is None:
        with _lock:
            if _tracer is None:
                _tracer = _configure() if enabled_in(os.environ) else _OFF
    return None if _tracer is _OFF else _tracer


def _configure() -> Any:
    from opentelemetry import trace

    if isinstance(trace.get_tracer_provider(), (trace.ProxyTracerProvider, trace.NoOpTracerProvider)):
        from azure.monitor.opentelemetry import configure_azure_monitor

        configure_azure_monitor(disable_logging=True, disable_metrics=True, instrumentation_options={
            name: {"enabled": False} for name in _AUTOMATIC_INSTRUMENTATIONS})
    return trace.get_tracer(TRACER_NAME)


def _clean(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """OpenTelemetry takes no None values."""
    return {key: value for key, value in attributes.items() if value is not None}
