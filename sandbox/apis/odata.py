"""OData query options the sandbox reads beyond $filter and $select: nested $expand."""
from __future__ import annotations

from dataclasses import dataclass


class ODataError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Expand:
    """One navigation property to expand, with its own $select and nested $expand."""
    name: str
    select: tuple[str, ...] = ()
    expand: tuple["Expand", ...] = ()


def split_top(text: str, separator: str) -> list[str]:
    """`text` split on `separator` outside parentheses."""
    parts, depth, current = [], 0, []
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            raise ODataError("0x80060888", f"Unbalanced parentheses in '{text}'.")
        if char == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if depth:
        raise ODataError("0x80060888", f"Unbalanced parentheses in '{text}'.")
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def parse_expand(text: str | None) -> tuple[Expand, ...]:
    """`a($select=x,y;$expand=b($select=z)),c` -> Expand trees; other nested options are refused
    ($orderby and $top are not supported by Dataverse inside a nested $expand anyway)."""
    expands = []
    for item in split_top(text or "", ","):
        name, _, rest = item.partition("(")
        select: tuple[str, ...] = ()
        nested: tuple[Expand, ...] = ()
        for option in split_top(rest[:-1] if rest.endswith(")") else rest, ";"):
            key, _, value = option.partition("=")
            if key.strip().lower() == "$select":
                select = tuple(f.strip() for f in value.split(",") if f.strip())
            elif key.strip().lower() == "$expand":
                nested = parse_expand(value)
            else:
                raise ODataError("0x80060888", f"The query option '{key.strip()}' is not supported in $expand here.")
        expands.append(Expand(name.strip(), select, nested))
    return tuple(expands)
