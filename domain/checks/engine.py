"""What a check is and how checks run; the checks themselves are the other modules of this package.

A check never raises for a business failure: its rule returns the outcome with the facts it used as
evidence and, when it does not pass, what a Dynamics 365 administrator should do about it. A check
whose facts could not be fetched says `error`; that blocks setup like `failed` but says so honestly.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Collection, Iterable

if TYPE_CHECKING:
    from domain.facts import Facts
    from domain.request import LinkRequest

PASSED, FAILED, WARNING, ERROR = "passed", "failed", "warning", "error"


@dataclass(frozen=True)
class CheckResult:
    id: str
    title: str
    outcome: str
    detail: str
    remediation: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def blocks_setup(self) -> bool:
        return self.outcome in (FAILED, ERROR)


@dataclass(frozen=True)
class Check:
    """One prerequisite, declared in the module named after its id.

    The rule receives the request, the values of `needs`, then those of `optional` (None when absent).
    """

    id: str
    title: str
    needs: tuple[str, ...]
    rule: Callable[..., CheckResult]
    order: int  # display order: the status document, the review page and the CLI list checks by it
    optional: tuple[str, ...] = ()
    revalidated: bool = False  # asked again just before setup (it can change while a person confirms)
    modes: frozenset[str] | None = None  # the setup modes it applies to; None: all of them
    # The setup modes in which the `optional` facts are needed like `needs` (an error there is an error).
    optional_needed_in: frozenset[str] = frozenset()

    def applies_to(self, mode: str) -> bool:
        return self.modes is None or mode in self.modes


def verdict(outcome: str, detail: str, remediation: str = "", **evidence: Any) -> CheckResult:
    """What a rule found; run_check adds the check's id and title."""
    return CheckResult("", "", outcome, detail, remediation, evidence)


def run_check(chk: Check, request: "LinkRequest", facts: "Facts") -> CheckResult:
    needed = (*chk.needs, *(chk.optional if request.setupMode in chk.optional_needed_in else ()))
    missing = [facts.result(name) for name in needed if facts.result(name).value is None]
    errors = [r for r in missing if r.error]
    if errors:
        return CheckResult(
            chk.id, chk.title, ERROR,
            "Could not be checked: " + "; ".join(r.error.describe() for r in errors),
            next((r.error.remedy for r in errors if r.error.remedy), None)
            or "The service did not answer after retries. Run the checks again later; if it persists, "
               "check the service health in the Microsoft 365 and Power Platform admin centers.",
            {"unavailableFacts": [r.name for r in errors]},
        )
    if missing:
        return CheckResult(chk.id, chk.title, FAILED,
                           "Could not be checked: " + "; ".join(r.skipped or "not gathered" for r in missing),
                           "Resolve the prerequisite named above first.",
                           {"missingFacts": [r.name for r in missing]})
    result = chk.rule(request, *(facts.value(name) for name in (*chk.needs, *chk.optional)))
    return CheckResult(chk.id, chk.title, result.outcome, result.detail, result.remediation, result.evidence)


def select(checks: Iterable[Check], mode: str, only: Collection[str] | None = None) -> list[Check]:
    """The checks that apply to a setup mode, restricted to `only` when given, in display order."""
    return sorted((c for c in checks if c.applies_to(mode) and (only is None or c.id in only)),
                  key=lambda c: c.order)


def validation_passed(results: list[CheckResult]) -> bool:
    return not any(r.blocks_setup for r in results)


def discover(package: ModuleType) -> list[Check]:
    """The CHECK of every module of the package but this one, in display order."""
    found = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name == __name__.rpartition(".")[2]:
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        declared = getattr(module, "CHECK", None)
        if not isinstance(declared, Check) or declared.id.replace("-", "_") != info.name:
            raise ImportError(f"{module.__name__} must declare CHECK = Check(...) with the id its name spells "
                              f"(hyphens for underscores), found {declared!r}")
        found.append(declared)
    orders = sorted(c.order for c in found)
    if len(set(orders)) != len(orders):
        raise ImportError(f"two checks of {package.__name__} share a display order: {orders}")
    return sorted(found, key=lambda c: c.order)
