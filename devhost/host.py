"""Wires devhost together and serves it over HTTP (werkzeug, threaded)."""
from __future__ import annotations

import json
import logging
import os
import ssl
import time
import traceback
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import azure.functions as func
from azure.functions import meta
from azure.functions.http import HttpResponseConverter
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from .busy import Busy
from .clock import Clock
from .durable_api import PREFIX as DURABLE_PREFIX
from .durable_api import DurableApi
from .engine import Engine
from .functions import EventLoopThread, FunctionInfo, Invoker
from .queues import QueueClients, QueueListener
from .routing import Router
from .settings import DEFAULT_AZURITE_QUEUE_URL, HostConfig
from .store import Store
from .timeutil import fmt_event, parse_iso, utcnow

log = logging.getLogger("devhost")
ADMIN_PREFIX = "/admin/devhost"
CLOCK_KEY = "virtual_clock"


@dataclass(frozen=True)
class HostOptions:
    app_dir: Path
    state_dir: Path
    port: int = 7071
    virtual_time: bool = False
    idle_grace_ms: int = 0
    # A restart after a crash must not let virtual time run past a deadline before a test can act.
    hold_clock: bool = False
    sandbox_url: str | None = None
    sandbox_ca: str | None = None
    azurite_queue_url: str = DEFAULT_AZURITE_QUEUE_URL
    ready_file: Path | None = None


def report_invocation(function: FunctionInfo, invocation_id: str, seconds: float, detail: str,
                      error: BaseException | None) -> None:
    outcome = "Failed" if error else "Succeeded"
    log.info("Executed 'Functions.%s' (%s, Id=%s, Duration=%dms) %s", function.name, outcome, invocation_id,
             round(seconds * 1000), detail)
    if error is not None:
        log.error("Function '%s' raised:\n%s", function.name, "".join(traceback.format_exception(error)).rstrip())


class Host:
    def __init__(self, options: HostOptions, config: HostConfig, functions: list[FunctionInfo],
                 environ: dict[str, str]) -> None:
        self.options = options
        self.config = config
        self.functions = functions
        self.busy = Busy()
        self.store = Store(options.state_dir / "durable.sqlite3")
        self.clock = self._make_clock()
        self.loop = EventLoopThread()
        self.invoker = Invoker(self.loop, options.app_dir)
        self.queue_clients = QueueClients(environ, options.azurite_queue_url, config.queues.message_encoding)
        self.engine = Engine(
            self.store, self.clock, self.busy, self.invoker, functions, config.durable,
            self._send_output, report_invocation,
            timer_gate=self._no_queued_work, idle_grace_seconds=options.idle_grace_ms / 1000,
        )
        self.durable = DurableApi(self.engine.client, config.durable.hub_name)
        self.invoker.input_providers["durableClient"] = lambda: json.dumps(self.durable.client_binding(self.base_url))
        self.router = Router(config.route_prefix)
        for function in functions:
            if function.trigger_type == "httpTrigger":
                self.router.add(function.trigger.get("route") or function.name, function.trigger.get("methods"),
                                function)
        self.listeners = [
            QueueListener(f, self.queue_clients, config.queues, self.invoker, self.busy, report_invocation)
            for f in functions if f.trigger_type == "queueTrigger"
        ]
        self._server = None
        self.port = options.port

    # -- clock ------------------------------------------------------------------
    def _make_clock(self) -> Clock:
        if not self.options.virtual_time:
            saved = self.store.get_meta(CLOCK_KEY)
            if saved and parse_iso(saved) > utcnow():
                log.warning("this state was run with --virtual-time up to %s; real time is earlier, so "
                            "timers and timestamps will look out of order", saved)
            return Clock()
        saved = self.store.get_meta(CLOCK_KEY)
        start = max(parse_iso(saved), utcnow()) if saved else utcnow()
        clock = Clock(virtual=True, start=start)
        if self.options.hold_clock:
            clock.hold()
        clock.on_move(self._clock_moved)
        self.store.set_meta(CLOCK_KEY, fmt_event(start))
        return clock

    def _clock_moved(self, moment: datetime) -> None:
        self.store.set_meta(CLOCK_KEY, fmt_event(moment))
        self._sync_sandbox_clock(moment)

    def _sandbox_clock(self, method: str, moment: datetime | None = None) -> dict | None:
        """GET or PUT {sandbox}/_sandbox/clock; None (and a warning) when the sandbox does not answer."""
        url = str(self.options.sandbox_url).rstrip("/") + "/_sandbox/clock"
        body = json.dumps({"now": fmt_event(moment)}).encode() if moment else None
        request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "application/json"})
        context = ssl.create_default_context(cafile=self.options.sandbox_ca) if self.options.sandbox_ca else None
        try:
            with urllib.request.urlopen(request, timeout=10, context=context) as answer:
                return json.loads(answer.read() or b"{}")
        except Exception as error:
            log.warning("sandbox clock %s %s failed: %s", method, url, error)
            return None

    def _sync_sandbox_clock(self, moment: datetime) -> None:
        if self.options.sandbox_url:
            self._sandbox_clock("PUT", moment)

    def _adopt_sandbox_clock(self) -> None:
        """At start-up: a sandbox clock that earlier runs moved ahead pulls devhost's clock along."""
        if not self.options.sandbox_url:
            return
        state = self._sandbox_clock("GET")
        if state and state.get("now") and parse_iso(state["now"]) > self.clock.now():
            self.clock.advance_to(parse_iso(state["now"]))
        else:
            self._sync_sandbox_clock(self.clock.now())

    def _no_queued_work(self) -> bool:
        pending = [listener for listener in self.listeners if listener.has_messages()]
        for listener in pending:
            listener.wake()
        return not pending

    # -- lifecycle ------------------------------------------------------------
    def start(self) -> None:
        self._server = make_server("127.0.0.1", self.options.port, self, threaded=True)
        self.port = self._server.server_port
        if self.options.virtual_time:
            self._adopt_sandbox_clock()
        self.engine.start()
        for listener in self.listeners:
            listener.start()
        self._announce()

    def serve_forever(self) -> None:
        assert self._server is not None
        self._server.serve_forever()

    def shutdown(self) -> None:
        for listener in self.listeners:
            listener.stop()
        self.engine.stop()
        if self._server is not None:
            self._server.shutdown()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _announce(self) -> None:
        lines = ["Functions:"]
        for function in self.functions:
            if function.trigger_type == "httpTrigger":
                methods = ",".join(m.upper() for m in function.trigger.get("methods") or []) or "ALL"
                route = function.trigger.get("route") or function.name
                prefix = f"/{self.config.route_prefix}" if self.config.route_prefix else ""
                lines.append(f"    {function.name}: [{methods}] {self.base_url}{prefix}/{route}")
            else:
                lines.append(f"    {function.name}: {function.describe()}")
        mode = "virtual time" if self.options.virtual_time else "real time"
        lines.append(f"Durable task hub {self.config.durable.hub_name!r}, state in {self.options.state_dir}, {mode}")
        lines.append(f"devhost ready: {self.base_url}")
        print("\n".join(lines), flush=True)
        if self.options.ready_file:
            ready = {"url": self.base_url, "port": self.port, "pid": os.getpid(),
                     "stateDir": str(self.options.state_dir), "db": str(self.store.path)}
            temporary = self.options.ready_file.with_suffix(".tmp")
            temporary.write_text(json.dumps(ready))
            temporary.replace(self.options.ready_file)

    # -- WSGI -------------------------------------------------------------------
    def __call__(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        raw_path = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.path).split("?", 1)[0]
        if raw_path.startswith(ADMIN_PREFIX):
            response = self._admin(request, raw_path[len(ADMIN_PREFIX):].strip("/"))
        else:
            with self.busy.working("http"):
                response = self._dispatch(request, raw_path)
        return response(environ, start_response)

    def _dispatch(self, request: Request, raw_path: str) -> Response:
        if raw_path == DURABLE_PREFIX or raw_path.startswith(DURABLE_PREFIX + "/"):
            return self.durable.handle(request, raw_path)
        found = self.router.match(request.method, raw_path)
        if found is None:
            return Response(b"", status=404)
        function, route_params = found
        return self._invoke_http(request, function, route_params)

    def _invoke_http(self, request: Request, function: FunctionInfo, route_params: dict[str, str]) -> Response:
        started = time.monotonic()
        datum = meta.Datum(type="http", value={
            "method": meta.Datum(request.method, "string"),
            "url": meta.Datum(request.url, "string"),
            "headers": {k: meta.Datum(v, "string") for k, v in request.headers.items()},
            "query": {k: meta.Datum(v, "string") for k, v in request.args.items()},
            "params": {k: meta.Datum(v, "string") for k, v in route_params.items()},
            "body": meta.Datum(request.get_data(), "bytes"),
        })
        detail = f"{request.method} {request.path}"
        invocation_id = str(uuid.uuid4())
        try:
            invocation = self.invoker.call(function, datum, None, invocation_id)
            for output, value in invocation.outputs:
                self._send_output(output, value)
            response = self._http_response(function, invocation.result)
        except Exception as error:
            report_invocation(function, invocation_id, time.monotonic() - started, detail, error)
            return Response(b"", status=500)
        report_invocation(function, invocation_id, time.monotonic() - started,
                          f"{detail} -> {response.status_code}", None)
        return response

    def _http_response(self, function: FunctionInfo, result: Any) -> Response:
        binding = function.return_binding
        if binding is not None and binding["type"] == "queue":
            if result is not None:
                self._send_output(binding, result)
            return Response(b"", status=204)
        if result is None:
            return Response(b"", status=204)
        if isinstance(result, str):
            return Response(result, status=200, content_type="text/plain; charset=utf-8")
        if not isinstance(result, func.HttpResponse):
            raise TypeError(f"an HTTP function must return HttpResponse or str, not {type(result).__name__}")
        encoded = HttpResponseConverter.encode(result, expected_type=None).value
        response = Response(encoded["body"].value or b"", status=int(encoded["status_code"].value))
        for name, value in encoded["headers"].items():
            response.headers[name] = value.value
        for cookie in encoded.get("cookies") or []:
            assert isinstance(cookie, SimpleCookie)
            for morsel in cookie.values():
                response.headers.add("Set-Cookie", morsel.OutputString())
        return response

    def _send_output(self, binding: dict[str, Any], value: Any) -> None:
        if binding["type"] == "queue":
            self.queue_clients.send(binding, value)
        elif binding["type"] != "http":
            log.warning("devhost ignores %r output bindings (%s)", binding["type"], binding["name"])

    # -- admin ------------------------------------------------------------------
    def _set_storage_full(self, full: bool) -> None:
        self.engine.store.full = full
        if not full:
            self.engine.resume_stored_work()

    def _clock_state(self) -> dict[str, Any]:
        return {
            "now": fmt_event(self.clock.now()),
            "virtual": self.clock.virtual,
            "held": self.clock.held,
            "nextTimer": self.engine.next_timer(),
        }

    def _admin(self, request: Request, path: str) -> Response:
        def reply(body: Any, status: int = 200) -> Response:
            return Response(json.dumps(body), status=status, content_type="application/json")

        method = request.method.upper()
        if path == "health" and method == "GET":
            return reply({"status": "ok"})
        if path == "functions" and method == "GET":
            return reply([{"name": f.name, "trigger": f.trigger_type, "bindings": f.bindings} for f in self.functions])
        if path == "durable-client" and method == "GET":
            return reply(self.durable.client_binding(self.base_url))
        if path == "idle" and method == "GET":
            state = self._clock_state()
            state.update(idle=self.busy.idle(), busy=self.busy.snapshot())
            return reply(state)
        if path == "storage" and method in ("GET", "POST"):
            if method == "POST":
                self._set_storage_full(bool((request.get_json(silent=True) or {}).get("full")))
            return reply({"full": self.engine.store.full})
        if path == "clock" and method == "GET":
            return reply(self._clock_state())
        if path in ("activities/hold", "activities/release") and method == "POST":
            name = str((request.get_json(silent=True) or {}).get("name") or "")
            if not name:
                return reply({"error": "give {\"name\": ACTIVITY}"}, 400)
            self.engine.gate_activity(name, held=path == "activities/hold")
        if path.startswith("activities") and method in ("GET", "POST"):
            return reply(self.engine.activity_gate())
        if path in ("clock/hold", "clock/release", "clock/advance") and method == "POST":
            if not self.clock.virtual:
                return reply({"error": "devhost runs in real time; start it with --virtual-time"}, 409)
            if path == "clock/hold":
                self.clock.hold()
            elif path == "clock/release":
                self.clock.release()
                with self.busy.changed:
                    self.busy.changed.notify_all()
            else:
                body = request.get_json(silent=True) or {}
                if "to" in body:
                    target = parse_iso(str(body["to"]))
                elif "seconds" in body:
                    target = self.clock.now() + timedelta(seconds=float(body["seconds"]))
                else:
                    return reply({"error": "give {\"seconds\": N} or {\"to\": ISO timestamp}"}, 400)
                self.engine.advance_clock(target)
            return reply(self._clock_state())
        return reply({"error": "not found"}, 404)
