"""What an orchestration is told when it starts: everything that could change between replays."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.polling import DEFAULT_SCHEDULE, PollStage, schedule_from_json, schedule_to_json

CONFIRM_EVENT = "Confirm"
CANCEL_EVENT = "Cancel"


@dataclass(frozen=True)
class RunOptions:
    revalidate_after_seconds: float = 3600
    provisioning_deadline_seconds: float = 4 * 3600
    poll_schedule: tuple[PollStage, ...] = DEFAULT_SCHEDULE
    # Bounds the history of one execution: the monitor continues as new after this many polls. 8 keeps
    # the first execution (validation, confirmation, setup and its polls) under 150 events (bench.throughput);
    # a run keeps the value it started with, so changing it needs no new contract version.
    max_polls_per_execution: int = 8
    # How long LCS may stay throttled or unavailable before the run stops trying to start setup.
    setup_start_patience_seconds: float = 3600
    verify_attempts: int = 3
    verify_interval_seconds: float = 120
    links: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"revalidateAfterSeconds": self.revalidate_after_seconds,
                "provisioningDeadlineSeconds": self.provisioning_deadline_seconds,
                "pollSchedule": schedule_to_json(self.poll_schedule),
                "maxPollsPerExecution": self.max_polls_per_execution,
                "setupStartPatienceSeconds": self.setup_start_patience_seconds,
                "verifyAttempts": self.verify_attempts,
                "verifyIntervalSeconds": self.verify_interval_seconds,
                "links": dict(self.links)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "RunOptions":
        return cls(revalidate_after_seconds=data["revalidateAfterSeconds"],
                   provisioning_deadline_seconds=data["provisioningDeadlineSeconds"],
                   poll_schedule=schedule_from_json(data.get("pollSchedule")),
                   max_polls_per_execution=data["maxPollsPerExecution"],
                   setup_start_patience_seconds=data["setupStartPatienceSeconds"],
                   verify_attempts=data["verifyAttempts"],
                   verify_interval_seconds=data["verifyIntervalSeconds"],
                   links=data.get("links") or {})
