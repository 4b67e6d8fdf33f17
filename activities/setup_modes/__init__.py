"""The setup modes' work with the services: one module per mode of domain/setup_modes, named like it.

A mode's module has `read(request)` (one look at provisioning) and `verify(request)` (is the link
there, on both sides); a mode that starts setup itself also has `start(request, confirmed_by)`,
the one irreversible call, which reads the integration state before it acts. A mode whose
SetupMode says `reads_by_setup_id` has `read(request, setup_activity_id)`: the id its start answered
(None for an adopted setup). activities/setup.py holds the Durable activities and dispatches to these.
"""

from __future__ import annotations

import importlib
from typing import Protocol, runtime_checkable

from domain.request import LinkRequest
from domain.setup_modes import SetupMode
from domain.setup_results import ProvisioningReading, SetupStart, Verification


@runtime_checkable
class WatchesSetup(Protocol):
    def read(self, request: LinkRequest) -> ProvisioningReading: ...

    def verify(self, request: LinkRequest) -> Verification: ...


@runtime_checkable
class StartsSetup(WatchesSetup, Protocol):
    def start(self, request: LinkRequest, confirmed_by: str) -> SetupStart: ...


def watcher_for(mode: SetupMode) -> WatchesSetup:
    return importlib.import_module(f"{__name__}.{mode.module_name}")


def starter_for(mode: SetupMode) -> StartsSetup:
    module = watcher_for(mode)
    if not mode.starts_setup or not isinstance(module, StartsSetup):
        # The orchestrator asks only modes that start setup; anything else is a bug, never a silent no-op.
        raise TypeError(f"setup mode {mode.name} does not start setup itself")
    return module
