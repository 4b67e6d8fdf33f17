"""Loading function_app.app, indexing its functions, and invoking them the way the Python worker does.

Triggers and bindings come from each function's metadata (``get_raw_bindings``);
values go through azure.functions' own converters (HttpRequestConverter,
QueueMessageInConverter, ActivityTriggerConverter, ...), so user code sees the
same objects as under the real worker.
"""
from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import sys
import threading
import typing
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import azure.functions as func
from azure.functions import _abc as abc_types
from azure.functions import meta

from .worker_rules import FunctionLoadError, check_function

_INDEX_CACHE: dict[int, tuple[Any, list["FunctionInfo"] | Exception]] = {}
_INDEX_LOCK = threading.Lock()


@dataclass
class FunctionInfo:
    name: str
    func: Callable[..., Any]
    bindings: list[dict[str, Any]]
    trigger: dict[str, Any]
    parameters: dict[str, inspect.Parameter] = field(default_factory=dict)

    @property
    def trigger_type(self) -> str:
        return self.trigger["type"]

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.func)

    @property
    def return_binding(self) -> dict[str, Any] | None:
        return next((b for b in self.bindings if b["name"] == "$return"), None)

    def describe(self) -> str:
        trigger = self.trigger
        if self.trigger_type == "httpTrigger":
            methods = ",".join(m.upper() for m in trigger.get("methods") or []) or "ALL"
            return f"[{methods}] {trigger.get('route') or self.name}"
        if self.trigger_type == "queueTrigger":
            return f"queueTrigger (queue {trigger.get('queueName')})"
        return self.trigger_type


def load_app(app_dir: Path, module: str, attribute: str) -> Any:
    """Import ``module`` from ``app_dir`` (put first on sys.path, as the worker does) and return its app."""
    resolved = str(Path(app_dir).resolve())
    if resolved not in sys.path:
        sys.path.insert(0, resolved)
    loaded = importlib.import_module(module)
    try:
        return getattr(loaded, attribute)
    except AttributeError as missing:
        raise SystemExit(f"{module}.py has no attribute {attribute!r} (expected a FunctionApp)") from missing


def index_app(app: Any) -> list[FunctionInfo]:
    """The app's functions. Indexed once per app object: a second get_functions() call raises.

    Raises FunctionLoadError where the Python worker would refuse to index the app (every time)."""
    with _INDEX_LOCK:
        cached = _INDEX_CACHE.get(id(app))
        if not (cached and cached[0] is app):
            try:
                cached = (app, _index(app))
            except FunctionLoadError as refused:
                cached = (app, refused)
            _INDEX_CACHE[id(app)] = cached
        if isinstance(cached[1], FunctionLoadError):
            raise cached[1]
        return cached[1]


def _index(app: Any) -> list[FunctionInfo]:
    functions = []
    for function in app.get_functions():
        bindings = [json.loads(raw) for raw in function.get_raw_bindings()]
        for binding in bindings:
            binding["direction"] = str(binding.get("direction", "IN")).upper()
        trigger = next(b for b in bindings if b["type"].lower().endswith("trigger"))
        user_function = function.get_user_function()
        check_function(function.get_function_name(), user_function, bindings)
        functions.append(
            FunctionInfo(
                name=function.get_function_name(),
                func=user_function,
                bindings=bindings,
                trigger=trigger,
                parameters=dict(inspect.signature(user_function).parameters),
            )
        )
    return functions


class EventLoopThread:
    """One long-lived loop for async functions, as in the worker: the SDK keeps a global aiohttp session."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="devhost-asyncio", daemon=True)
        self._thread.start()

    def run(self, coroutine: typing.Awaitable[Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)


class _Out(func.Out):
    def __init__(self) -> None:
        self._value: Any = None
        self.was_set = False

    def set(self, val: Any) -> None:
        self._value = val
        self.was_set = True

    def get(self) -> Any:
        return self._value


class _TraceContext(abc_types.TraceContext):
    @property
    def trace_state(self) -> str:
        return ""

    @property
    def trace_parent(self) -> str:
        return ""

    @property
    def attributes(self) -> dict[str, str]:
        return {}


class _RetryContext(abc_types.RetryContext):
    @property
    def retry_count(self) -> int:
        return 0

    @property
    def max_retry_count(self) -> int:
        return 0

    @property
    def exception(self) -> Any:
        return None


class InvocationContext(func.Context):
    def __init__(self, invocation_id: str, function_name: str, function_directory: str) -> None:
        self._invocation_id = invocation_id
        self._function_name = function_name
        self._function_directory = function_directory
        self._local = threading.local()

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def thread_local_storage(self) -> Any:
        return self._local

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return self._function_directory

    @property
    def trace_context(self) -> abc_types.TraceContext:
        return _TraceContext()

    @property
    def retry_context(self) -> abc_types.RetryContext:
        return _RetryContext()


@dataclass
class Invocation:
    """The outcome of a successful call: the return value and the output bindings that were set."""

    invocation_id: str
    result: Any
    outputs: list[tuple[dict[str, Any], Any]]


class Invoker:
    def __init__(self, loop: EventLoopThread, app_dir: Path) -> None:
        self._loop = loop
        self._app_dir = str(app_dir)
        # Values of non-trigger input bindings by type, e.g. "durableClient" -> the binding JSON.
        self.input_providers: dict[str, Callable[[], Any]] = {}

    def call(
        self,
        function: FunctionInfo,
        trigger: meta.Datum,
        trigger_metadata: dict[str, meta.Datum] | None = None,
        invocation_id: str | None = None,
    ) -> Invocation:
        invocation_id = invocation_id or str(uuid.uuid4())
        kwargs: dict[str, Any] = {}
        outputs: list[tuple[dict[str, Any], _Out]] = []
        for binding in function.bindings:
            name = binding["name"]
            if name == "$return":
                continue
            if binding["direction"] == "OUT":
                out = _Out()
                kwargs[name] = out
                outputs.append((binding, out))
            elif binding is function.trigger:
                kwargs[name] = self._decode_trigger(function, binding, trigger, trigger_metadata or {})
            elif binding["type"] in self.input_providers:
                kwargs[name] = self.input_providers[binding["type"]]()
            else:
                raise NotImplementedError(f"devhost does not support {binding['type']!r} input bindings ({name})")
        if "context" in function.parameters and "context" not in kwargs:
            kwargs["context"] = InvocationContext(invocation_id, function.name, self._app_dir)
        result = function.func(**kwargs)
        if inspect.isawaitable(result):
            result = self._loop.run(result)
        return Invocation(invocation_id, result, [(b, o.get()) for b, o in outputs if o.was_set])

    @staticmethod
    def _decode_trigger(
        function: FunctionInfo, binding: dict[str, Any], datum: meta.Datum, metadata: dict[str, meta.Datum]
    ) -> Any:
        annotation = function.parameters[binding["name"]].annotation if binding["name"] in function.parameters else None
        if binding["type"] == "queueTrigger" and annotation in (str, bytes):
            value = datum.value
            if annotation is str and isinstance(value, bytes):
                return value.decode("utf-8")
            return value
        converter = meta._ConverterMeta.get(binding["type"])
        if converter is None:
            raise NotImplementedError(f"devhost does not support {binding['type']!r} triggers")
        return converter.decode(datum, trigger_metadata=metadata)


def encode_queue_messages(value: Any) -> list[str | bytes]:
    """What a queue output binding sends for a value (a str, bytes, QueueMessage or a list of them)."""
    from azure.functions.queue import QueueMessageOutConverter

    datum = QueueMessageOutConverter.encode(value, expected_type=None)
    if datum.type in ("string", "bytes"):
        return [datum.value]
    decoded = json.loads(datum.value)
    items = decoded if isinstance(decoded, list) else [decoded]
    return [item["body"] if isinstance(item, dict) else item for item in items]
