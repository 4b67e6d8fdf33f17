"""ASP.NET-style route templates of HTTP triggers ("links/{id}", "{id:int?}", "files/{*path}")."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

_CONSTRAINTS = {
    "int": r"-?\d+",
    "long": r"-?\d+",
    "guid": r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}",
    "alpha": r"[A-Za-z]+",
    "bool": r"(?i:true|false)",
    "double": r"-?\d+(?:\.\d+)?",
    "float": r"-?\d+(?:\.\d+)?",
    "decimal": r"-?\d+(?:\.\d+)?",
}
_PARAM = re.compile(r"\{(?P<star>\*)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<constraints>(?::[^{}?=]+)*)(?P<opt>\?)?(?:=(?P<default>[^{}]*))?\}")


@dataclass(frozen=True)
class Route:
    template: str
    pattern: re.Pattern
    literal_segments: int
    parameters: int
    catch_all: bool

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path)
        if not found:
            return None
        return {k: unquote(v) for k, v in found.groupdict().items() if v is not None}

    @property
    def precedence(self) -> tuple[int, int, int]:
        # Literal segments beat parameters, parameters beat catch-alls (as in ASP.NET routing).
        return (self.catch_all, -self.literal_segments, self.parameters)


def _constraint_regex(constraints: str) -> str:
    for constraint in filter(None, constraints.split(":")):
        name = constraint.split("(")[0].lower()
        if name == "regex":
            return constraint[constraint.index("(") + 1 : constraint.rindex(")")]
        if name in _CONSTRAINTS:
            return _CONSTRAINTS[name]
    return r"[^/]+"


def compile_route(template: str) -> Route:
    segments = [s for s in template.strip("/").split("/") if s != ""]
    pattern = ""
    literals = parameters = 0
    catch_all = False
    for segment in segments:
        position = 0
        piece = ""
        optional_whole = False
        for param in _PARAM.finditer(segment):
            piece += re.escape(segment[position : param.start()])
            parameters += 1
            name = param.group("name")
            if param.group("star"):
                catch_all = True
                body = r".*"
            else:
                body = _constraint_regex(param.group("constraints") or "")
            optional = bool(param.group("opt")) or bool(param.group("star"))
            piece += f"(?P<{name}>{body})"
            if optional and param.start() == 0 and param.end() == len(segment):
                optional_whole = True
            position = param.end()
        rest = segment[position:]
        if position == 0:
            literals += 1
        piece += re.escape(rest)
        pattern += f"(?:/{piece})?" if optional_whole else f"/{piece}"
    return Route(template, re.compile(pattern or "/?"), literals, parameters, catch_all)


@dataclass(frozen=True)
class HttpRoute:
    route: Route
    methods: frozenset[str]
    target: Any


class Router:
    def __init__(self, prefix: str) -> None:
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        self._routes: list[HttpRoute] = []

    def add(self, template: str, methods: list[str] | None, target: Any) -> None:
        allowed = frozenset(m.upper() for m in methods) if methods else frozenset()
        self._routes.append(HttpRoute(compile_route(template), allowed, target))
        self._routes.sort(key=lambda r: r.route.precedence)

    def match(self, method: str, path: str) -> tuple[Any, dict[str, str]] | None:
        if self.prefix:
            if path != self.prefix and not path.startswith(self.prefix + "/"):
                return None
            path = path[len(self.prefix) :]
        path = "/" + path.strip("/") if path.strip("/") else ""
        for entry in self._routes:
            params = entry.route.match(path)
            if params is not None and (not entry.methods or method.upper() in entry.methods):
                return entry.target, params
        return None
