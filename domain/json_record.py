"""Dataclasses that read and write a JSON document without changing it.

The status document has been written by several releases, and its readers (the HTTP API, the
stored blobs, recorded histories) must see the same JSON whatever wrote it. So a `Record` keeps
what it does not model (`extra`) and remembers which of its keys the JSON it came from did not
have (`absent`): read and written again, a document is the same JSON. Keys are the camelCase
form of the field names (`setup_activity_id` -> `setupActivityId`).

A value the model cannot read (a section that is not an object, a list of sections with something
else in it) is kept as it came, in `extra`, and the field keeps its default: readers see an empty
section, and writing the document back loses nothing.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Any, Mapping, TypeVar

R = TypeVar("R", bound="Record")
_UNREADABLE = object()
_OWN = ("extra", "absent")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclasses.dataclass(kw_only=True)
class Record:
    extra: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False, compare=False)
    absent: frozenset[str] = dataclasses.field(default=frozenset(), repr=False, compare=False)

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return tuple(camel(f.name) for f in _fields(cls))

    @classmethod
    def from_json(cls: type[R], data: Any) -> R:
        data = data if isinstance(data, Mapping) else {}
        by_key = {camel(f.name): f for f in _fields(cls)}
        hints = _hints(cls)
        known: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in data.items():
            field = by_key.get(key)
            decoded = _decode(hints[field.name], value) if field else _UNREADABLE
            if decoded is _UNREADABLE:
                extra[key] = value
            else:
                known[field.name] = decoded
        return cls(**known, extra=extra, absent=frozenset(by_key) - set(data))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, key, default in _layout(type(self)):
            value = getattr(self, name)
            if key in self.absent and value == default:
                continue  # the document it came from did not have it, and nothing set it since
            out[key] = _encode(value)
        if self.extra:
            out.update(_encode(self.extra))
        return out

    def mark_present(self, *keys: str) -> None:
        """Write these keys even at their default (a writer that sets a value the default already has)."""
        self.absent = self.absent - set(keys)


@cache
def _fields(cls: type) -> tuple[dataclasses.Field, ...]:
    return tuple(f for f in dataclasses.fields(cls) if f.name not in _OWN)


@cache
def _layout(cls: type) -> tuple[tuple[str, str, Any], ...]:
    """(field name, JSON key, default) of each field: to_json runs at every status change of every replay."""
    return tuple((f.name, camel(f.name), _default(f)) for f in _fields(cls))


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _default(field: dataclasses.Field) -> Any:
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return field.default


def _unwrap(hint: Any) -> Any:
    """`X | None` -> X (the fields' hints are never other unions)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        (hint,) = [a for a in typing.get_args(hint) if a is not type(None)]
    return hint


def _record_type(hint: Any) -> type[Record] | None:
    hint = _unwrap(hint)
    return hint if isinstance(hint, type) and issubclass(hint, Record) else None


def _decode(hint: Any, value: Any) -> Any:
    """The field's value from JSON, or _UNREADABLE when it is not of the field's shape."""
    record, origin = _record_type(hint), typing.get_origin(_unwrap(hint))
    if value is None:
        # None is a value of every optional field; a list field that holds None keeps it as it came.
        return _UNREADABLE if origin is list and typing.get_origin(hint) is list else None
    if record is not None:
        return record.from_json(value) if isinstance(value, Mapping) else _UNREADABLE
    if origin is dict and not isinstance(value, Mapping) or origin is list and not isinstance(value, list):
        return _UNREADABLE
    if origin is list:
        item = _record_type(typing.get_args(_unwrap(hint))[0])
        if item is not None:
            if not all(isinstance(v, Mapping) for v in value):
                return _UNREADABLE
            return [item.from_json(v) for v in value]
    return _encode(value)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _encode(value: Any) -> Any:
    """JSON out of records; plain containers copied, so a document never shares them with its JSON.
    Exact type tests first: the abstract Mapping test is slow, and documents are mostly plain JSON."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        return {k: _encode(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_encode(v) for v in value]
    if isinstance(value, Record):
        return value.to_json()
    if isinstance(value, Mapping):
        return {k: _encode(v) for k, v in value.items()}
    return value
