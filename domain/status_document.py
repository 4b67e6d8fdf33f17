"""The status document: a run's state, as `GET /api/links/{id}` serves it and `save_status` stores it.

The orchestrator builds it through the operations below, the triggers serve it, and the review
page, the audit record and the CLI read it; its JSON (camelCase, see README "Status document")
is what every reader and every recorded history already knows, so `to_json(from_json(x)) == x`
for whatever a release wrote (domain/json_record.py). From contract version 2 on it is written
to the status store and the custom status is its projection (orchestrators/projection.py); runs
started before show it whole as custom status. It holds nothing secret: the request, check
results, audit records and progress only. Timestamps are domain/values.py's one format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from domain import phases
from domain.json_record import Record
from domain.values import iso

IRREVERSIBILITY_NOTICE = (
    "Linking can't be undone: once setup starts, this finance and operations environment stays linked to the "
    "chosen Dataverse environment, and relinking is not supported. The finance and operations environment has a "
    "brief downtime while provisioning runs (about 60-90 minutes)."
)
MAX_RECORDED_ATTEMPTS = 20
UNKNOWN_PHASE = "Unknown"  # what a reader shows of a document that has no phase (or no run at all)
BLOCKING_OUTCOMES = ("failed", "error")


@dataclass(kw_only=True)
class TimelineEntry(Record):
    phase: str | None = None
    at: str | None = None


@dataclass(kw_only=True)
class Attempt(Record):
    """One typed name, accepted or refused with its reason. `by` is `{name, objectId}`."""

    attempt_id: str | None = None
    at: str | None = None
    typed_name: str | None = None
    by: Any = None
    accepted: bool | None = None
    reason: str | None = None


@dataclass(kw_only=True)
class Confirmation(Record):
    expires_at: str | None = None
    attempts: list[Attempt] = field(default_factory=list)  # the newest MAX_RECORDED_ATTEMPTS
    attempt_count: int | None = None  # every attempt; runs before it was kept count their list
    confirmed_by: Any = None
    confirmed_at: str | None = None
    typed_name: str | None = None

    @classmethod
    def opened(cls, expires_at: datetime) -> "Confirmation":
        return cls(expires_at=iso(expires_at), attempt_count=0)

    @property
    def total_attempts(self) -> int:
        return max(self.attempt_count or 0, len(self.attempts))

    @property
    def latest(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None

    def record(self, attempt: Attempt) -> None:
        self.attempt_count = (len(self.attempts) if self.attempt_count is None else self.attempt_count) + 1
        self.attempts.append(attempt)
        # A flood of wrong names must not grow the status without bound; the newest are what matter.
        del self.attempts[:-MAX_RECORDED_ATTEMPTS]
        if attempt.accepted:
            self.confirmed_by, self.confirmed_at, self.typed_name = attempt.by, attempt.at, attempt.typed_name

    def marker(self) -> str:
        """Changes whenever an attempt is recorded: once the list is full its length stops changing,
        but the newest attempt's time still moves on."""
        return f"{len(self.attempts)}@{(self.latest and self.latest.at) or ''}"


@dataclass(kw_only=True)
class Provisioning(Record):
    """Progress of provisioning, from the start of setup (or, in operator mode, of the wait for it)."""

    started: bool = False
    started_at: str | None = None
    anchor: str | None = None  # what the poll schedule counts from
    deadline: str | None = None
    polls: int = 0
    last_state: str | None = None
    last_phase: str | None = None
    last_checked_at: str | None = None
    next_check_at: str | None = None
    retry_after_seconds: float | None = None
    setup_activity_id: str | None = None

    def restarted(self, anchor: datetime, started: bool, deadline: str,
                  setup_activity_id: str | None = None) -> "Provisioning":
        """The progress from `anchor` on, keeping what was read so far and the first deadline."""
        return Provisioning(started=started, started_at=iso(anchor) if started else None, anchor=iso(anchor),
                            deadline=self.deadline or deadline, polls=self.polls, last_state=self.last_state,
                            last_phase=self.last_phase, last_checked_at=self.last_checked_at,
                            setup_activity_id=setup_activity_id or self.setup_activity_id)

    def record_reading(self, state: str, phase: str | None, at: datetime, retry_after_seconds: float | None) -> None:
        self.polls += 1
        self.last_state, self.last_phase, self.last_checked_at = state, phase, iso(at)
        self.retry_after_seconds = retry_after_seconds


@dataclass(kw_only=True)
class Audit(Record):
    """Who confirmed, with what typed name, and which setup ran: kept in the outcome."""

    operator: str | None = None
    confirmed_by: Any = None
    confirmed_at: str | None = None
    typed_name: str | None = None
    setup_activity_id: str | None = None
    correlation_id: str | None = None


@dataclass(kw_only=True)
class Outcome(Record):
    """How the run ended. Which details there are depends on how (see `StatusDocument.finish`)."""

    result: str | None = None
    message: str | None = None
    completed_at: str | None = None
    audit: Audit | None = None
    checks: list[str] | None = None  # ValidationFailed: the checks that failed
    reason: str | None = None  # Cancelled: the reason given, by whom, in which attempt
    by: Any = None
    attempt_id: str | None = None
    linked_environment: Any = None  # Linked (and Failed verification): what verification read
    disconnected_environment: Any = None
    recommendation: str | None = None


@dataclass(kw_only=True)
class Revalidation(Record):
    at: str | None = None
    replaced: list[dict[str, Any]] = field(default_factory=list)  # the checks as the confirmer saw them


@dataclass(kw_only=True)
class StatusDocument(Record):
    kind: str | None = None  # link | preflight
    phase: str | None = None
    request: dict[str, Any] | None = None
    started_at: str | None = None
    checks: list[Any] = field(default_factory=list)  # check results as domain.checks writes them
    validated_at: str | None = None
    irreversibility_notice: str | None = None
    operator_display_name: str | None = None
    initial_environment: dict[str, Any] | None = None
    confirmation: Confirmation | None = None
    operator_instructions: list[str] | None = None
    provisioning: Provisioning | None = None
    outcome: Outcome | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)
    links: dict[str, Any] | None = None
    previous_runs: list[Any] = field(default_factory=list)
    requested_by: dict[str, Any] | None = None
    version: int | None = None  # contract 2 on: the stored document's version
    run_id: str | None = None
    environments: dict[str, Any] | None = None
    revalidation: Revalidation | None = None
    # What the HTTP layer adds from the host's view of the instance.
    instance_id: str | None = None
    runtime_status: str | None = None
    created_time: str | None = None
    last_updated_time: str | None = None

    @classmethod
    def new(cls, kind: str, request: Mapping[str, Any], links: Mapping[str, str], now: datetime,
            notice: str | None = None) -> "StatusDocument":
        """`notice`: what can't be undone, as the run's setup mode says it (None: linking an LCS environment)."""
        return cls.from_json({
            "kind": kind, "phase": phases.VALIDATING, "request": dict(request), "startedAt": iso(now), "checks": [],
            "validatedAt": None,
            "irreversibilityNotice": (notice or IRREVERSIBILITY_NOTICE) if kind == "link" else None,
            "operatorDisplayName": None, "initialEnvironment": None, "confirmation": None,
            "operatorInstructions": None, "provisioning": None, "outcome": None,
            "timeline": [{"phase": phases.VALIDATING, "at": iso(now)}], "links": dict(links)})

    @classmethod
    def of(cls, value: "StatusDocument | Mapping[str, Any] | None") -> "StatusDocument":
        """A reader's view of a document it was handed as JSON (or already typed)."""
        return value if isinstance(value, StatusDocument) else cls.from_json(value)

    # -- what the orchestrator does -------------------------------------------------------------

    def adopt_run(self, previous_runs: list[Any] | None, requested_by: dict[str, Any] | None) -> None:
        """A link run's own records, from its input, unless a continued execution carries them."""
        if "previousRuns" in self.absent:
            self.previous_runs = list(previous_runs or [])
            self.mark_present("previousRuns")
        if "requestedBy" in self.absent:
            self.requested_by = requested_by
            self.mark_present("requestedBy")

    def adopt_contract(self, run_id: str | None) -> None:
        """Contract 2 on: the document is stored, by version, under its run's id."""
        if "version" in self.absent:
            self.version = 0
            self.mark_present("version")
        if "runId" in self.absent:
            self.run_id = run_id
            self.mark_present("runId")

    def next_version(self) -> int:
        self.version = (self.version or 0) + 1
        return self.version

    def enter(self, phase: str, now: datetime) -> None:
        self.phase = phase
        self.timeline.append(TimelineEntry(phase=phase, at=iso(now)))

    def record_validation(self, checks: list[dict[str, Any]], now: datetime, environments: dict[str, Any],
                          operator_display_name: str | None = None) -> None:
        self.checks, self.validated_at, self.environments = checks, iso(now), environments
        if operator_display_name:
            self.operator_display_name = operator_display_name

    def record_revalidation(self, fresh: list[dict[str, Any]], now: datetime, environments: dict[str, Any],
                            operator_display_name: str | None = None) -> None:
        """Some checks ran again: they replace their earlier results, which are kept, as the confirmer saw them."""
        by_id = {check["id"]: check for check in fresh}
        self.revalidation = Revalidation(at=iso(now), replaced=[c for c in self.checks if c["id"] in by_id])
        merged = [by_id.get(check["id"], check) for check in self.checks]
        self.record_validation(merged, now, environments, operator_display_name)

    def failed_check_ids(self) -> list[str]:
        return [c["id"] for c in self.check_results() if c.get("outcome") in BLOCKING_OUTCOMES]

    def await_confirmation(self, expires_at: datetime, now: datetime) -> None:
        self.confirmation = Confirmation.opened(expires_at)
        self.enter(phases.AWAITING_CONFIRMATION, now)

    def progress(self, anchor: datetime, started: bool, deadline: datetime,
                 setup_activity_id: str | None = None) -> Provisioning:
        """Provisioning followed from `anchor` on; `deadline` unless an earlier start set one."""
        previous = self.provisioning or Provisioning()
        self.provisioning = previous.restarted(anchor, started, iso(deadline), setup_activity_id)
        return self.provisioning

    def audit(self, operator: str, correlation_id: str | None) -> Audit:
        confirmation = self.confirmation or Confirmation()
        return Audit(operator=operator, confirmed_by=confirmation.confirmed_by, confirmed_at=confirmation.confirmed_at,
                     typed_name=confirmation.typed_name, correlation_id=correlation_id,
                     setup_activity_id=self.provisioning and self.provisioning.setup_activity_id)

    def finish(self, phase: str, message: str, now: datetime, audit: Audit | None = None, **details: Any) -> None:
        """The final phase and its outcome; `details` are the outcome's own keys (camelCase), as given."""
        self.enter(phase, now)
        recorded = {"audit": audit.to_json()} if audit else {}
        self.outcome = Outcome.from_json({"result": phase, "message": message, "completedAt": iso(now),
                                          **recorded, **details})

    # -- what readers ask ----------------------------------------------------------------------

    @property
    def notice(self) -> str:
        return self.irreversibility_notice or IRREVERSIBILITY_NOTICE

    @property
    def phase_name(self) -> str:
        return str(self.phase or UNKNOWN_PHASE)

    def check_results(self) -> list[Mapping[str, Any]]:
        return [c for c in self.checks if isinstance(c, Mapping)]

    def latest_attempt(self) -> Attempt | None:
        return self.confirmation and self.confirmation.latest

    def attempts_marker(self) -> str:
        return (self.confirmation or Confirmation()).marker()

    def phase_time(self, *names: str) -> str | None:
        """When the run first entered one of these phases."""
        return next((entry.at for entry in self.timeline if entry.phase in names), None)

    def reached(self) -> set[str]:
        return {entry.phase for entry in self.timeline if entry.phase} | {self.phase_name}

    def setup_may_have_started(self) -> bool:
        return bool(self.reached() & phases.SETUP_STARTED_PHASES)

    def end_unexpectedly(self, message: str) -> bool:
        """The host ended the run (failed, terminated): unless it reached a final phase itself, it failed."""
        if self.phase in phases.FINAL_PHASES:
            return False
        self.phase = phases.FAILED
        self.outcome = Outcome.from_json({"result": phases.FAILED, "message": message})
        return True

    def run_summary(self) -> dict[str, Any]:
        """What an auditor asks of a run that ended without setup, kept when a new run replaces it."""
        outcome = self.outcome or Outcome()
        return {"phase": self.phase, "createdTime": self.created_time, "completedAt": outcome.completed_at,
                "message": outcome.message, "failedChecks": self.failed_check_ids(),
                "timeline": [entry.to_json() for entry in self.timeline]}
