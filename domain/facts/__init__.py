"""The external facts the checks are computed from; each is fetched once per validation round.

One module per fact (its value dataclasses and its `FACT` declaration); the shared types and the
registry are in `domain.facts.base`. Everything is offered here too (`F.OperatorFacts`,
`F.OPERATOR` = "operator", `F.FactResult`, `F.Facts`), but loaded on first use: importing this
package costs nothing, so modules loaded with the app may import it; the fact classes load with
the first validation (their dataclasses cost cold-start time).
"""

from __future__ import annotations

from typing import Any


def __getattr__(attr: str) -> Any:
    if attr[:1].islower() or attr.startswith("_"):
        # A submodule not imported yet (`from domain.facts import target`) or a dunder probe: only
        # the import system answers those; loading every fact for them could recurse mid-import.
        raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")
    from domain.facts.base import exports

    try:
        value = exports()[attr]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {attr!r}") from None
    globals()[attr] = value
    return value
