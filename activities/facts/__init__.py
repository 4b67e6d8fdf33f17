"""The fact activities: one module per fact (`activities/facts/<fact>.py`, named like its
`domain/facts/` module) with its activity function, named as the fact's declaration says, and its
fetcher. They only read, one service question each, answered as a domain fact; the orchestrator
fans them out in parallel, so each is independent of the others.

The modules are found by walking this package, so adding a fact edits no table here. One blueprint
registers them all (function_app registers it).
"""

import importlib
import pkgutil

from activities.facts._gather import bp

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["bp"]
