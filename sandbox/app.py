"""The sandbox as one WSGI application: every service under its path prefix, admin under /_sandbox/.

Each service call goes: fault injection -> bearer check -> route, and is written to the call log.
"""
from __future__ import annotations

import sys
import time
import traceback
from typing import Any

from werkzeug.wrappers import Request, Response

from sandbox.apis.admin import AdminApi
from sandbox.apis.bap import AUDIENCE as BAP_AUDIENCE
from sandbox.apis.bap import BapApi
from sandbox.apis.base import Call, Service
from sandbox.apis.dataverse import DataverseApi
from sandbox.apis.entra import EntraApi
from sandbox.apis.graph import AUDIENCE as GRAPH_AUDIENCE
from sandbox.apis.graph import GraphApi
from sandbox.apis.lcs import AUDIENCE as LCS_AUDIENCE
from sandbox.apis.lcs import LcsApi
from sandbox.apis.powerplatform import AUDIENCE as POWERPLATFORM_AUDIENCE
from sandbox.apis.powerplatform import PowerPlatformApi
from sandbox.calllog import CallLog
from sandbox.clock import SandboxClock, to_iso
from sandbox.fault_targets import target_of
from sandbox.faults import FaultInjector, format_retry_after, http_date_retry_after
from sandbox.model import Scenario
from sandbox.scenario import ScenarioError, load_scenario, validate_faults
from sandbox.tokens import TokenIssuer
from sandbox.world import World


SERVICE_APIS = (LcsApi, BapApi, PowerPlatformApi, GraphApi, DataverseApi)


def operations() -> set[str]:
    """What keyed faults can aim at: every service, and each of its routes as `service.route`."""
    apis = (EntraApi, *SERVICE_APIS)
    return {api.name for api in apis} | {f"{api.name}.{r.handler}" for api in apis for r in api.routes}


def check_operations(faults: dict[str, Any], name: str) -> None:
    """ScenarioError for a keyed fault aimed at an operation the sandbox does not have."""
    unknown = sorted(set(faults.get("keyed", {})) - operations())
    if unknown:
        raise ScenarioError(name, [f"$.faults.keyed: {aim!r} is not an operation of the sandbox" for aim in unknown])


class Sandbox:
    """State and dispatch; `SandboxServer` puts it behind HTTPS."""

    def __init__(self, scenario: Scenario, base_url: str, tokens: TokenIssuer, clock: SandboxClock | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.clock = clock or SandboxClock()
        self.calls = CallLog()
        self.faults = FaultInjector()
        self.entra = EntraApi()
        self.services: tuple[Service, ...] = tuple(api() for api in SERVICE_APIS)
        self.admin = AdminApi()
        self.load(scenario)

    def load(self, scenario: Scenario | str | dict[str, Any]) -> Scenario:
        """Play another scenario (a name, path, dict or loaded Scenario): state, faults and call log start afresh."""
        loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self._begin(loaded)
        return loaded

    def reset(self) -> None:
        """Back to the scenario's initial state; the clock keeps its time (it never moves backwards)."""
        self._begin(self.world.scenario)

    def _begin(self, scenario: Scenario) -> None:
        check_operations(scenario.faults, scenario.name)
        self.world = World(scenario, self.clock)
        self.faults.configure(scenario.faults)
        self.calls.clear()

    def configure_faults(self, faults: dict[str, Any]) -> None:
        """Replace the fault configuration (ScenarioError with the bad fields' paths if it is invalid)."""
        validate_faults(faults)
        check_operations(faults, "faults")
        self.faults.configure(faults)

    def known_audiences(self) -> set[str]:
        orgs = self.world.scenario.dataverse_orgs
        return {LCS_AUDIENCE, BAP_AUDIENCE, POWERPLATFORM_AUDIENCE, GRAPH_AUDIENCE} | {
            f"{self.base_url}/dataverse/{org}" for org in orgs
        }

    # ------------------------------------------------------------ WSGI

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path == "/_sandbox" or request.path.startswith("/_sandbox/"):
            response = self.admin.handle(self, request)
        else:
            response = self._serve(request)
        return response(environ, start_response)

    def _service_for(self, path: str) -> tuple[Service, str]:
        for service in self.services:
            if path.startswith(service.prefix + "/"):
                return service, path[len(service.prefix):]
        return self.entra, path

    def _serve(self, request: Request) -> Response:
        service, path = self._service_for(request.path)
        call = Call(request=request, sandbox=self, now=self.clock.now(), path=path)
        target = target_of(request, service.name, service.operation(path, request.method), self.base_url)
        decision = self.faults.decide(service.name, target)
        if decision.delay_ms:
            time.sleep(decision.delay_ms / 1000)
        try:
            if decision.throttles:
                response = service.throttled(call, decision.retry_after_seconds)
            elif decision.kind:
                response = service.failure(call, decision.status)
            else:
                response = service.handle(call)
        except Exception:  # a sandbox bug must answer like a server error, not kill the connection
            print(f"sandbox: error answering {request.method} {request.path}\n{traceback.format_exc()}", file=sys.stderr)
            response = service.failure(call, 500)
        if decision.kind and decision.retry_after_http_date:
            response.headers["Retry-After"] = http_date_retry_after(decision.retry_after_seconds)
        elif decision.kind == "keyed" and decision.retry_after_seconds and not decision.throttles:
            response.headers["Retry-After"] = format_retry_after(decision.retry_after_seconds)
        self.calls.record(
            service=service.name, method=request.method, path=request.path,
            query=request.query_string.decode("latin-1"), status=response.status_code, at=to_iso(call.now),
            caller=call.caller, fault=decision.kind or call.note, delay_ms=decision.delay_ms,
        )
        return response
