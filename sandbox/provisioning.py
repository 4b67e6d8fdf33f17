"""Power Platform integration setup as LCS runs it: phases over a duration, then Configured or SetupFailed.

Pure functions of a recorded run and the sandbox clock: nothing is mutated when a phase ends, so
any moment's state (the LCS answer, BAP's linkedAppMetadata, Dataverse's integration details) is
computed the same way by every route, and the clock may jump hours ahead at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Each phase ends at this fraction of the duration (the split is the sandbox's choice).
PHASES: tuple[tuple[str, float], ...] = (("Validate", 0.05), ("Prepare", 0.20), ("Run", 0.90), ("Finalize", 1.0))

NOT_CONFIGURED = "NotConfigured"
IN_PROGRESS = "SetupInProgress"
CONFIGURED = "Configured"
FAILED = "SetupFailed"

# Azure region display names (LCS CloudStorageLocation) by BAP geography (location) code.
# Source: reference/microsoft-apis.md "Region to geography"; codes from BAP locations.
GEOGRAPHY_REGIONS: dict[str, tuple[str, ...]] = {
    "unitedstates": ("Central US", "East US", "East US 2", "East US 3", "North Central US", "South Central US",
                     "West US", "West US 2", "West US 3", "West Central US"),
    "europe": ("North Europe", "West Europe"),
    "unitedkingdom": ("UK South", "UK West"),
    "canada": ("Canada Central", "Canada East"),
    "asia": ("East Asia", "Southeast Asia"),
    "australia": ("Australia East", "Australia Southeast", "Australia Central"),
    "india": ("Central India", "South India", "West India"),
    "japan": ("Japan East", "Japan West"),
    "france": ("France Central", "France South"),
    "germany": ("Germany North", "Germany West Central"),
    "switzerland": ("Switzerland North", "Switzerland West"),
    "norway": ("Norway East", "Norway West"),
    "unitedarabemirates": ("UAE Central", "UAE North"),
    "southafrica": ("South Africa North", "South Africa West"),
    "southamerica": ("Brazil South",),
    "korea": ("Korea Central", "Korea South"),
}


def geography_of_region(region: str) -> str | None:
    wanted = region.strip().lower()
    return next((geo for geo, regions in GEOGRAPHY_REGIONS.items() if wanted in (r.lower() for r in regions)), None)


@dataclass(frozen=True)
class SetupRun:
    """One accepted setup: what LCS recorded when the operator (or our API) chose Setup."""

    activity_id: str
    lcs_environment_id: str
    power_platform_environment_id: str
    initial_power_platform_environment_id: str | None
    started_at: datetime
    duration_seconds: float
    fail_after_seconds: float | None
    error_message: str | None
    confirmed_by: str
    started_by: str
    via: str


@dataclass(frozen=True)
class RunStatus:
    state: str
    phase: str
    completed_at: datetime | None
    error_message: str | None


def phase_at(elapsed_seconds: float, duration_seconds: float) -> str:
    fraction = elapsed_seconds / duration_seconds
    return next((name for name, end in PHASES if fraction < end), PHASES[-1][0])


def validation_failure_seconds(duration_seconds: float) -> float:
    """Where a run that fails a prerequisite stops: half way through the Validate phase."""
    return PHASES[0][1] * duration_seconds / 2


def status_at(run: SetupRun, now: datetime) -> RunStatus:
    elapsed = max(0.0, (now - run.started_at).total_seconds())
    if run.fail_after_seconds is not None and elapsed >= run.fail_after_seconds:
        return RunStatus(
            FAILED,
            phase_at(run.fail_after_seconds, run.duration_seconds),
            run.started_at + timedelta(seconds=run.fail_after_seconds),
            run.error_message,
        )
    if elapsed >= run.duration_seconds:
        return RunStatus(CONFIGURED, PHASES[-1][0], run.started_at + timedelta(seconds=run.duration_seconds), None)
    return RunStatus(IN_PROGRESS, phase_at(elapsed, run.duration_seconds), None, None)
