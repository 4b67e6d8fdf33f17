"""The Python worker's load-time checks of a function's parameters against its bindings.

The real worker (azure-functions-runtime, its Registry.add_indexed_function) refuses to index an
app whose function signatures don't fit their decorators, and the host then loads no function at
all. devhost applies the same rules with the same messages, so an app that devhost serves is one
the worker indexes. Mirrored: binding directions, the `context` parameter, parameters without a
binding and bindings without a parameter, `func.Out` on output bindings (and only there),
annotations that are not types, each annotation against its binding's converter (str/bytes take
the generic binding), and the return annotation against the `$return` binding. Left out: deferred
(SDK-type) bindings and the Service Bus settlement client, which this project does not use.
"""
from __future__ import annotations

import collections.abc
import inspect
import typing
from typing import Any, Callable, ClassVar, Generic, Union

from azure.functions import meta

DURABLE_CLIENT = "durableClient"


class FunctionLoadError(RuntimeError):
    def __init__(self, function_name: str, message: str) -> None:
        super().__init__(f"cannot load the {function_name} function: {message}")


class _Generic:
    """Stands for a binding type no converter is registered for (the worker's GenericBinding)."""

    @staticmethod
    def check_input_type_annotation(pytype: type) -> bool:
        return issubclass(pytype, (str, bytes))

    @staticmethod
    def check_output_type_annotation(pytype: type) -> bool:
        return issubclass(pytype, (str, bytes, bytearray))

    @staticmethod
    def has_implicit_output() -> bool:
        return True


def _converter(binding_type: str) -> Any:
    return meta.get_binding_registry().get(binding_type) or _Generic


def _implicit_output(binding_type: str) -> bool:
    """Whether the function's return value is this binding's output (orchestrations, activities)."""
    if binding_type == DURABLE_CLIENT:
        return False
    return bool(getattr(_converter(binding_type), "has_implicit_output", lambda: False)())


def _is_generic(annotation: Any) -> bool:
    # As the worker's typing_inspect: Generic subclasses and typing's subscripted aliases count,
    # Union/Tuple/ClassVar/Callable and PEP 585 aliases such as list[str] do not.
    if isinstance(annotation, type) and issubclass(annotation, Generic):  # type: ignore[arg-type]
        return True
    aliases = (typing._GenericAlias, typing._SpecialGenericAlias)  # type: ignore[attr-defined]
    return isinstance(annotation, aliases) and annotation.__origin__ not in (
        Union, tuple, ClassVar, collections.abc.Callable)


def _is_out(annotation: Any) -> bool:
    origin = annotation.__origin__ if isinstance(annotation, typing._GenericAlias) else None  # type: ignore[attr-defined]
    candidate = origin if origin is not None else annotation
    return isinstance(candidate, type) and candidate.__name__ == "Out"


def check_function(name: str, user_function: Callable[..., Any], bindings: list[dict[str, Any]]) -> None:
    """Raise FunctionLoadError, worded as the worker words it, when the worker would refuse ``name``."""
    params = dict(inspect.signature(user_function).parameters)
    annotations = typing.get_type_hints(user_function)
    bound: dict[str, dict[str, Any]] = {}
    return_binding: dict[str, Any] | None = None
    implicit_return: str | None = None
    for binding in bindings:
        direction = str(binding.get("direction", "IN")).upper()
        if direction == "INOUT":
            raise FunctionLoadError(name, '"inout" bindings are not supported')
        if binding["name"] == "$return":
            if direction != "OUT":
                raise FunctionLoadError(name, '"$return" binding must have direction set to "out"')
            return_binding = return_binding or binding
            continue
        bound[binding["name"]] = binding
        if _implicit_output(binding["type"]) and implicit_return is None:
            implicit_return = binding["type"]
    _check_context(name, params, bound, annotations)
    _check_names(name, params, bound)
    for param in params:
        _check_parameter(name, param, bound[param], annotations)
    if return_binding is not None and "return" in annotations:
        _check_return(name, return_binding["type"], annotations["return"])


def _check_context(name: str, params: dict[str, Any], bound: dict[str, Any], annotations: dict[str, Any]) -> None:
    if "context" not in params or "context" in bound:
        return
    params.pop("context")
    annotation = annotations.get("context")
    if "context" in annotations and not (isinstance(annotation, type) and annotation.__name__ == "Context"):
        raise FunctionLoadError(name, 'the "context" parameter is expected to be of type azure.functions.Context, '
                                      f'got "{annotation!r}"')


def _check_names(name: str, params: dict[str, Any], bound: dict[str, Any]) -> None:
    unbound = set(params) - set(bound)
    if unbound:
        raise FunctionLoadError(name, "the following parameters are declared in Python but not in the function "
                                      f"definition (function.json or function decorators):  {unbound!r}")
    missing = set(bound) - set(params)
    if missing:
        raise FunctionLoadError(name, "Extra parameters in binding definition — the following parameters are "
                                      f"declared as bindings but are not present in Python: {missing!r}")


def _check_parameter(name: str, param: str, binding: dict[str, Any], annotations: dict[str, Any]) -> None:
    if param not in annotations:
        return
    annotation = annotations[param]
    is_out = _is_out(annotation)
    pytype = annotation
    if is_out:
        args = typing.get_args(annotation)
        if len(args) != 1:
            raise FunctionLoadError(name, f"binding {param} has invalid Out annotation {annotation!r}")
        pytype = args[0]
    if not isinstance(pytype, type) and not _is_generic(pytype):
        raise FunctionLoadError(name, f"binding {param} has invalid non-type annotation {annotation!r}")
    out_binding = str(binding.get("direction", "IN")).upper() == "OUT"
    if out_binding and not is_out:
        raise FunctionLoadError(name, f'binding {param} is declared to have the "out" direction, but its annotation '
                                      "in Python is not a subclass of azure.functions.Out")
    if not out_binding and is_out:
        raise FunctionLoadError(name, f'binding {param} is declared to have the "in" direction in the binding '
                                      "decorator, but its annotation is azure.functions.Out in Python")
    kind = binding["type"]
    if pytype in (str, bytes) and not _implicit_output(kind):
        kind = "generic"  # the worker passes plain text and bytes through untouched
    converter = _converter(kind)
    fits = converter.check_output_type_annotation(pytype) if is_out else converter.check_input_type_annotation(pytype)
    if fits:
        return
    # The worker compares the decorator's data_type with the proto's `undefined` by identity, so
    # only an explicit DataType.UNDEFINED gets the second wording.
    if str(binding.get("dataType", "")).upper() != "UNDEFINED":
        raise FunctionLoadError(name, f'binding type "{param!r}" and dataType "{binding["type"]}" in the binding '
                                      "decorator do not match the corresponding function parameter's Python type "
                                      f"annotation {pytype.__name__}")
    raise FunctionLoadError(name, f'type of {param} binding in the binding decorator "{binding["type"]}" does not '
                                  f'match its Python annotation "{pytype.__name__}"')


def _check_return(name: str, binding_type: str, annotation: Any) -> None:
    if isinstance(annotation, typing._GenericAlias) and _is_out(annotation):  # type: ignore[attr-defined]
        raise FunctionLoadError(name, "return annotation should not be azure.functions.Out")
    if not isinstance(annotation, type):
        raise FunctionLoadError(name, f"has invalid non-type return annotation {annotation!r}")
    if not _converter(binding_type).check_output_type_annotation(annotation):
        raise FunctionLoadError(name, f'Python return annotation "{annotation.__name__}" does not match binding '
                                      f'type "{binding_type}"')
