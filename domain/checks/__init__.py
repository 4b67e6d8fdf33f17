"""The prerequisites of linking: one module per check, named after its id, each declaring its CHECK.

The checks are found by discovery, so adding one is adding its module (and its test module). This
package loads with the first validation, not with the app (cold start): orchestrators import it in
the functions that validate.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Collection

from domain.checks.engine import (  # noqa: F401 (the package's interface)
    ERROR,
    FAILED,
    PASSED,
    WARNING,
    Check,
    CheckResult,
    discover,
    run_check,
    select,
    validation_passed,
    verdict,
)

if TYPE_CHECKING:
    from domain.facts import Facts
    from domain.request import LinkRequest

CHECKS: list[Check] = discover(sys.modules[__name__])


def revalidated_checks() -> frozenset[str]:
    """The checks asked again just before setup starts."""
    return frozenset(c.id for c in CHECKS if c.revalidated)


REVALIDATED_CHECKS = revalidated_checks()


def run_checks(request: "LinkRequest", facts: "Facts", only: Collection[str] | None = None,
               mode: str | None = None) -> list[CheckResult]:
    """The checks that apply to the setup mode (by default the request's), or only those named."""
    return [run_check(c, request, facts) for c in select(CHECKS, mode or request.setupMode, only)]
