"""What the setup activities answer: a setup start, a provisioning reading, a verification.

They cross the activity boundary as JSON (domain.serialization). Their JSON keeps the keys and
values the activities wrote before these types existed, so recorded histories replay unchanged:
`json_fields` names the keys each answer carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class SetupOutcome(StrEnum):
    STARTED = "started"  # this attempt started setup
    ADOPTED = "adopted"  # a setup for the same target was already running or done: followed, not repeated
    CONFLICT = "conflict"  # the integration is in a state that forbids a setup for this target
    RETRY = "retry"  # the service was throttled or unavailable: ask again later
    GAVE_UP = "gave-up"  # made by the orchestrator: the service kept refusing until the patience ran out


class ProvisioningState(StrEnum):
    NOT_STARTED = "NotStarted"
    IN_PROGRESS = "InProgress"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    UNKNOWN = "Unknown"  # the look failed; the monitor looks again later
    # One step of a setup in steps is done and the next may start (unified: Platform Tools installed,
    # the provisioning app next): the monitor asks start_setup again.
    NEXT_STEP = "NextStep"


@dataclass(frozen=True)
class SetupStart:
    outcome: SetupOutcome
    setupActivityId: str | None = None
    retryAfterSeconds: float | None = None
    message: str | None = None

    @property
    def proceeds(self) -> bool:
        """Setup is running for this run's target (started now or adopted)."""
        return self.outcome in (SetupOutcome.STARTED, SetupOutcome.ADOPTED)

    def json_fields(self) -> tuple[str, ...]:
        if self.outcome is SetupOutcome.RETRY:
            return ("outcome", "retryAfterSeconds", "message")
        if self.outcome is SetupOutcome.GAVE_UP:
            return ("outcome", "message")
        return ("outcome", "setupActivityId", "message")


@dataclass(frozen=True)
class ProvisioningReading:
    """One look at provisioning; it carries what the look reported (see IntegrationReading)."""

    state: ProvisioningState
    phase: str | None = None
    setupActivityId: str | None = None
    message: str | None = None
    retryAfterSeconds: float | None = None

    @classmethod
    def unknown(cls, message: str, retry_after: float | None) -> "ProvisioningReading":
        return cls(ProvisioningState.UNKNOWN, message=message, retryAfterSeconds=retry_after)

    def json_fields(self) -> tuple[str, ...]:
        if self.state is ProvisioningState.UNKNOWN:
            return ("state", "message", "retryAfterSeconds")
        return ("state", *(name for name in ("phase", "setupActivityId", "message") if getattr(self, name) is not None))


@dataclass(frozen=True)
class IntegrationReading(ProvisioningReading):
    """A reading of an integration state that always reports its phase, setup activity and message,
    empty or not (LCS's Power Platform integration state)."""

    def json_fields(self) -> tuple[str, ...]:
        return ("state", "phase", "setupActivityId", "message")


@dataclass(frozen=True)
class Verification:
    verified: bool
    evidence: dict[str, Any] | None = None
    message: str = ""
