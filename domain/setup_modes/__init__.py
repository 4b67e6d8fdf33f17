"""Setup modes: how a run gets setup started, watched and verified, one module per mode.

Every public module of this package declares one `MODE`; the registry finds them, so a new mode is
a module here plus its activities in `activities/setup_modes/<module>.py` (and the checks, facts and
services it needs). The request's allowed `setupMode` values, openapi.json's enum, the CLI's
`--setup-mode` choices and the demo's options all come from this registry.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Callable

from domain.values import normalize_guid

if TYPE_CHECKING:
    from domain.request import LinkRequest


@dataclass(frozen=True)
class SetupMode:
    name: str  # the request's `setupMode`
    title: str  # one line, for the CLI, the demo and openapi.json
    # True: the app starts setup itself (the start_setup activity); False: it tells a person what to
    # do (`instructions`) and detects the start while it watches provisioning.
    starts_setup: bool
    required_fields: tuple[str, ...]  # request fields this mode needs
    forbidden_fields: tuple[str, ...] = ()  # request fields that mean nothing in this mode
    instance_key: str = "lcsEnvironmentId"  # the request field the instance id is made of
    option_fields: tuple[str, ...] = ()  # option fields of the request this mode takes (domain.request)
    instructions_title: str | None = None  # heading of the instructions wherever they are shown
    operator_step: str | None = None  # a run list's next step while setup waits for the person
    write_instructions: Callable[["LinkRequest"], list[str]] | None = None
    # What the review page says can't be undone (None: domain.status_document's notice for LCS links).
    irreversibility_notice: str | None = None
    # Who starts setup, and where a person looks when it went wrong, in the run's failure messages.
    service_name: str = "Lifecycle Services"
    where_to_look: str = "the Power Platform Integration FastTab in LCS"
    # The provisioning reading is read by the setup's operation id (read_provisioning gets it).
    reads_by_setup_id: bool = False
    # Checks asked again before each later step of a setup in steps (ProvisioningState.NEXT_STEP).
    next_step_checks: tuple[str, ...] = ()
    done_message: str = "The finance and operations environment is linked to the Dataverse environment."

    @property
    def lcs_managed(self) -> bool:
        """It links an LCS-managed finance and operations environment (the LCS facts and checks apply)."""
        return "lcsEnvironmentId" in self.required_fields

    @property
    def module_name(self) -> str:
        return self.name.replace("-", "_")

    def instance_id(self, request: "LinkRequest") -> str:
        """One environment, one link: the instance id names the environment the mode links."""
        return f"link-{normalize_guid(getattr(request, self.instance_key))}"

    def instructions(self, request: "LinkRequest") -> list[str] | None:
        return self.write_instructions(request) if self.write_instructions else None


class UnknownSetupMode(ValueError):
    def __init__(self, name: object):
        super().__init__(f"setupMode must be one of {', '.join(mode_names())}, not {name!r}")


@cache
def _registry() -> dict[str, SetupMode]:
    found: dict[str, SetupMode] = {}
    for module in sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")):
        mode = importlib.import_module(f"{__name__}.{module}").MODE
        found[mode.name] = mode
    return found


def all_modes() -> tuple[SetupMode, ...]:
    return tuple(_registry().values())


def mode_names() -> tuple[str, ...]:
    return tuple(_registry())


def find_mode(name: object) -> SetupMode | None:
    return _registry().get(name) if isinstance(name, str) else None


def setup_mode(name: object) -> SetupMode:
    mode = find_mode(name)
    if mode is None:
        raise UnknownSetupMode(name)
    return mode


def lcs_managed_modes() -> frozenset[str]:
    """The modes that link an LCS-managed environment: the LCS-only checks and facts apply to these."""
    return frozenset(mode.name for mode in all_modes() if mode.lcs_managed)


def required_by_every_mode() -> tuple[str, ...]:
    """What a request needs whatever its mode (used to judge a request whose mode is unknown)."""
    first, *others = all_modes()
    return tuple(f for f in first.required_fields if all(f in other.required_fields for other in others))


def modes_help(quote: str = "") -> str:
    """`lcs-api: ...; operator: ...`: one line naming every mode (openapi.json, the CLI, the demo)."""
    return "; ".join(f"{quote}{mode.name}{quote}: {mode.title}" for mode in all_modes())


def instructions_title(mode_name: object) -> str:
    """The heading of a run's instructions to a person, as its mode words it."""
    mode = find_mode(mode_name)
    return (mode.instructions_title if mode else None) or "What to do"
