"""Telemetry: the activities run against the sandbox with their real clients, their spans go to the
OpenTelemetry SDK's in-memory exporter, and every exported span is scanned for the tokens the
sandbox issued or received, the app's secret and the operator's other personal data.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from activities import names
from activities.events import publish_event
from activities.setup import read_provisioning, start_setup, verify_link
import function_app
from devhost.functions import index_app
from domain import facts as F
from domain.facts.base import specs, stages
from harness.stack import record_calls
from sandbox.server import SandboxServer
from services import telemetry
from services.clients import get_clients
from services.identity import lcs_sign_in
from services.settings import ServiceSettings
from tests.e2e.support import LCS_ENV, OPERATOR, OPERATOR_NAME, link_request

CORRELATION = "change-4711"
PREFLIGHT = "preflight-5b0c4c1e-8d7e-4a57-9d43-0d3c1f1f0a11"
JWT = re.compile(r"eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]*")


class Out:
    def __init__(self) -> None:
        self.value: str | None = None

    def set(self, value: str) -> None:
        self.value = value


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict[str, Any]:
    """Every activity once, as one link run would call them, with spans recorded in memory."""
    sandbox = SandboxServer.start("happy-path", port=0)
    recorder = record_calls(sandbox)
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    environ = {**sandbox.settings(), "LCS_TOKEN_CACHE": str(tmp_path_factory.mktemp("lcs") / "cache.json")}
    patch = pytest.MonkeyPatch()
    try:
        for name, value in environ.items():
            patch.setenv(name, value)
        lcs_sign_in(ServiceSettings.from_env(environ), OPERATOR, on_prompt=lambda prompt: None)
        get_clients.cache_clear()
        telemetry.use_tracer_provider(provider)
        outcomes = run_every_activity()
        yield {"spans": exporter.get_finished_spans(), "tokens": set(recorder.tokens), "environ": environ,
               "outcomes": outcomes}
    finally:
        telemetry.use_tracer_provider(None)
        get_clients.cache_clear()
        patch.undo()
        sandbox.stop()


def run_every_activity() -> dict[str, Any]:
    request = link_request(setupMode="lcs-api", confirmationTimeout="P3D", correlationId=CORRELATION)
    activity = {f.name: f.func for f in index_app(function_app.app)}  # the SDK indexes an app only once
    first_stage, second_stage = stages()
    first = {fact.name: activity[fact.activity]({"request": request, "instanceId": PREFLIGHT}) for fact in first_stage}
    second_input = {"request": request, "instanceId": PREFLIGHT,
                    "instanceUrl": first[F.TARGET]["value"]["instance_url"],
                    "operatorObjectId": first[F.OPERATOR]["value"]["object_id"]}
    second = {fact.name: activity[fact.activity](second_input) for fact in second_stage}
    link = {"request": request, "confirmedBy": OPERATOR_NAME}
    outcomes = {"facts": {**first, **second}, "setup": start_setup(link), "reading": read_provisioning(link),
                "verified": verify_link(link)}
    publish_event({"type": "link.provisioning", "instanceId": f"link-{LCS_ENV}", "correlationId": CORRELATION,
                   "at": "2026-12-01T10:00:00.000000Z", "data": None}, Out())
    return outcomes


def exported_text(span: Any) -> str:
    return json.dumps({"name": span.name, "attributes": dict(span.attributes or {}),
                       "events": [{"name": e.name, "attributes": dict(e.attributes or {})} for e in span.events],
                       "status": span.status.description, "resource": dict(span.resource.attributes)},
                      default=str)


def test_the_run_really_called_the_services(run):
    assert all(result["error"] is None for result in run["outcomes"]["facts"].values())
    assert run["outcomes"]["setup"]["outcome"] == "started"
    assert len(run["tokens"]) >= 5  # app tokens per audience, the operator's LCS tokens, the refresh token


def test_a_span_per_activity_tagged_with_the_run(run):
    activities = {s.attributes["activity"]: s for s in run["spans"] if s.name.startswith("activity ")}
    expected = {fact.activity for fact in specs()} | {names.START_SETUP, names.READ_PROVISIONING,
                                                      names.VERIFY_LINK, names.PUBLISH_EVENT}
    assert set(activities) == expected
    for name, span in activities.items():
        assert span.attributes["correlationId"] == CORRELATION
        assert span.attributes["status"], name
        assert span.attributes["service"] == "link"
    assert activities["gather_operator"].attributes["instanceId"] == PREFLIGHT
    assert activities[names.START_SETUP].attributes["instanceId"] == f"link-{LCS_ENV}"
    assert activities[names.START_SETUP].attributes["status"] == "started"
    assert activities["gather_operator"].attributes["operator"] == OPERATOR


def test_a_span_per_service_call_inside_its_activity(run):
    by_id = {s.context.span_id: s for s in run["spans"]}
    calls = [s for s in run["spans"] if not s.name.startswith("activity ")]
    assert {s.attributes["service"] for s in calls} >= {"lcs", "bap", "powerplatform", "graph", "dataverse"}
    for call in calls:
        parent = by_id[call.parent.span_id]
        assert parent.name.startswith("activity ")
        assert call.attributes["instanceId"] == parent.attributes["instanceId"]
        assert call.attributes["correlationId"] == CORRELATION
        assert call.attributes["status"] == str(call.attributes["http.response.status_code"])


def test_phase_changes_are_span_events(run):
    published = next(s for s in run["spans"] if s.name == f"activity {names.PUBLISH_EVENT}")
    assert [(e.name, e.attributes["type"]) for e in published.events] == [("phase changed", "link.provisioning")]


def leaks(text: str, secrets: set[str]) -> list[str]:
    found = [secret[:12] + "..." for secret in secrets if secret in text]
    found += ["a JWT"] if JWT.search(text) else []
    return found + (["a URL"] if "https://" in text else [])  # paths and queries carry ids and names


def test_no_token_secret_or_personal_data_beyond_the_upn_is_exported(run):
    operator_oid = run["outcomes"]["facts"][F.OPERATOR]["value"]["object_id"]
    secrets = run["tokens"] | {run["environ"]["AZURE_CLIENT_SECRET"], OPERATOR_NAME, operator_oid}
    assert {span.name: leaks(exported_text(span), secrets) for span in run["spans"]
            if leaks(exported_text(span), secrets)} == {}


def test_the_scan_finds_a_token_it_is_shown(run):
    token = next(iter(run["tokens"]))
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer("control").start_as_current_span("leaky", attributes={"header": f"Bearer {token}"}):
        pass
    assert leaks(exported_text(exporter.get_finished_spans()[0]), {token}) == [token[:12] + "...", "a JWT"]


def test_telemetry_stays_off_and_unimported_without_a_connection_string():
    probe = ("import sys, function_app\nfrom services import telemetry\n"
             "with telemetry.activity_span('a', 'i', 'c') as span: span.status('ok')\n"
             "print(sorted(m for m in sys.modules if m.startswith('azure.monitor')))")
    environ = {"PATH": "/usr/bin:/bin"}
    answer = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                            env=environ, cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]))
    assert answer.stdout.strip() == "[]"
