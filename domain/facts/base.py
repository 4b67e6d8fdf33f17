"""What every fact shares: its declaration (`FactSpec`), how it travels (`FactResult`, `FactError`),
the facts of one round (`Facts`), and the registry of declarations found in this package.

A fact is one module of `domain/facts/` holding its value dataclasses and one `FACT = FactSpec(...)`;
the registry finds them by walking the package, so adding a fact edits no table. Every fact
travels as a `FactResult`: its value, or the error that kept it from being fetched, or the reason
it was not asked for (a fact whose inputs are missing).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Callable, Iterable

from domain.serialization import from_json, to_json


class SkipFact(Exception):
    """Raised by a fact's input builder: the fact is not asked for, and this is why."""


@dataclass(frozen=True)
class FactSpec:
    """One fact's declaration: what it is called, what its value is, which activity fetches it.

    `after` names the facts whose values its input needs: it is fetched in a later stage than they
    are, and `build_input` turns their values into the keys its activity's input adds to the request.
    `modes` are the setup modes it is read in (None: every mode). `order` fixes its place in its
    stage's fan-out: the order of the scheduled activities is in recorded histories, which replay.
    """
    name: str
    value_type: type
    activity: str
    order: int
    after: tuple[str, ...] = ()
    modes: tuple[str, ...] | None = None
    build_input: Callable[["Facts"], dict[str, Any]] | None = None

    def read_in(self, setup_mode: str) -> bool:
        return self.modes is None or setup_mode in self.modes

    def input_for(self, request: dict[str, Any],
                  gathered: "Facts") -> tuple[dict[str, Any] | None, "FactResult | None"]:
        """The input of this fact's activity, or the result it must have without being fetched."""
        for dependency in self.after:
            result = gathered.result(dependency)
            if result.error:
                return None, FactResult(self.name, error=result.error.needed_by(dependency))
        try:
            extra = self.build_input(gathered) if self.build_input else {}
        except SkipFact as skip:
            return None, FactResult(self.name, skipped=str(skip))
        return {"request": request, **extra}, None


@dataclass(frozen=True)
class FactError:
    """Why a fact could not be fetched: the service's own words, never a token."""
    service: str
    operation: str
    message: str
    status: int | None = None
    code: str | None = None
    remedy: str | None = None
    # Throttled or unavailable: worth asking again a little later in the same validation round.
    transient: bool = False
    retry_after: float | None = None

    def describe(self) -> str:
        status = f" (HTTP {self.status})" if self.status else ""
        return f"{self.service} {self.operation} failed{status}: {self.message}"

    def needed_by(self, dependency: str) -> "FactError":
        """This error as the error of a fact whose input needed `dependency`."""
        return FactError(self.service, self.operation, f"needed {dependency}, which could not be fetched: {self.message}",
                         self.status, self.code, self.remedy)


@dataclass(frozen=True)
class FactResult:
    name: str
    value: Any = None
    error: FactError | None = None
    skipped: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": to_json(self.value), "error": to_json(self.error),
                "skipped": self.skipped}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "FactResult":
        value = data.get("value")
        return cls(
            name=data["name"],
            value=from_json(spec(data["name"]).value_type, value) if value is not None else None,
            error=from_json(FactError, data["error"]) if data.get("error") else None,
            skipped=data.get("skipped"),
        )


class Facts:
    """The facts of one validation round, by name."""

    def __init__(self, results: list[FactResult]):
        self._results = {r.name: r for r in results}

    def result(self, name: str) -> FactResult:
        return self._results.get(name) or FactResult(name, skipped="not gathered in this round")

    def value(self, name: str) -> Any:
        return self.result(name).value

    def merged(self, newer: "Facts") -> "Facts":
        return Facts([*self._results.values(), *newer._results.values()])

    def to_json(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self._results.values()]

    @classmethod
    def from_json(cls, data: list[dict[str, Any]]) -> "Facts":
        return cls([FactResult.from_json(d) for d in data])


@cache
def specs() -> tuple[FactSpec, ...]:
    """Every fact declared in this package, in fan-out order."""
    found = [module.FACT for module in _fact_modules()]
    names = [s.name for s in found]
    if len(set(names)) != len(names):
        raise ValueError(f"a fact is declared twice: {sorted(names)}")
    for declared in found:
        if unknown := set(declared.after) - set(names):
            raise ValueError(f"{declared.name} comes after undeclared facts {sorted(unknown)}")
    return tuple(sorted(found, key=lambda s: s.order))


def spec(name: str) -> FactSpec:
    try:
        return next(s for s in specs() if s.name == name)
    except StopIteration:
        raise KeyError(f"no fact is declared as {name!r}") from None


@cache
def stages() -> tuple[tuple[FactSpec, ...], ...]:
    """The fan-out of the declared facts."""
    return fan_out(specs())


def fan_out(declared: Iterable[FactSpec]) -> tuple[tuple[FactSpec, ...], ...]:
    """Stages of facts: each fact in the stage after the last of its `after` facts, in `order`."""
    ordered = sorted(declared, key=lambda s: s.order)
    level: dict[str, int] = {}
    remaining = ordered
    while remaining:
        ready = [s for s in remaining if all(d in level for d in s.after)]
        if not ready:
            raise ValueError(f"facts that wait on each other or on no declared fact: {sorted(s.name for s in remaining)}")
        for s in ready:
            level[s.name] = 1 + max((level[d] for d in s.after), default=-1)
        remaining = [s for s in remaining if s.name not in level]
    return tuple(tuple(s for s in ordered if level[s.name] == n) for n in range(max(level.values(), default=-1) + 1))


def with_dependencies(names: set[str]) -> set[str]:
    """`names` and, transitively, the facts their inputs need."""
    wanted, pending = set(), list(names)
    while pending:
        name = pending.pop()
        if name not in wanted:
            wanted.add(name)
            pending.extend(spec(name).after)
    return wanted


def constant_name(fact_name: str) -> str:
    """`tenantSettings` -> `TENANT_SETTINGS`: the name other modules know a fact by (F.TENANT_SETTINGS)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", fact_name).upper()


@cache
def exports() -> dict[str, Any]:
    """What `domain.facts` offers: these shared types, every fact's value classes, its name constant."""
    public: dict[str, Any] = {n: globals()[n] for n in ("FactSpec", "FactError", "FactResult", "Facts", "SkipFact")}
    for module in _fact_modules():
        public[constant_name(module.FACT.name)] = module.FACT.name
        for attr, value in vars(module).items():
            if isinstance(value, type) and value.__module__ == module.__name__:
                if public.setdefault(attr, value) is not value:
                    raise ValueError(f"{attr} is declared by two facts")
    return public


def _fact_modules() -> list[Any]:
    import domain.facts as package

    modules = [importlib.import_module(f"{package.__name__}.{m.name}") for m in pkgutil.iter_modules(package.__path__)]
    return [m for m in modules if isinstance(getattr(m, "FACT", None), FactSpec)]
