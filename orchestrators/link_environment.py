"""The link orchestration: validate -> confirm -> start setup once -> monitor -> verify.

Deterministic by construction: the clock is `context.current_utc_datetime`, settings arrive in the
input, and every call to the outside world is an activity. Nothing irreversible happens before an
accepted confirmation, and the setup activity reads the integration state before it acts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Generator

import azure.durable_functions as df

from activities import names as activity
from domain import phases
from domain import facts as F
from domain.environments import describe_environments
from domain.polling import next_poll_at
from domain.request import LinkRequest
from domain.serialization import from_json
from domain.setup_results import ProvisioningReading, ProvisioningState, SetupOutcome, SetupStart, Verification
from domain.status_document import StatusDocument
from domain.values import iso, parse_iso, utc
from orchestrators.confirmation import Beside, ConfirmationWait, Decision
from orchestrators.options import RunOptions
from orchestrators.projection import STORED_DOCUMENT_SINCE, VALIDATING_BESIDE_FACTS_SINCE, document_name, projection
from orchestrators.validation import ACTIVITY_RETRY, STORE_RETRY, checks_to_json, validate, validation_passed

if TYPE_CHECKING:
    from domain.facts import Facts

WRITTEN_BEFORE_SHOWN = phases.FINAL_PHASES | {phases.STARTING_SETUP}

SETUP_RETRY_PAUSE_SECONDS = 60
DISCONNECTED_RECOMMENDATION = (
    "The initial Power Platform environment was disconnected from finance and operations. Keep it or delete it on "
    "purpose: kept, it has no Dataverse database, so dual-write, virtual tables and Export to Data Lake can't use it."
)


class LinkRun:
    def __init__(self, context: df.DurableOrchestrationContext, data: dict[str, Any]):
        self.context = context
        # Runs started by a release before the status store have no contract version (see projection.py).
        self.contract = data.get("version", 1)
        self.stores_document = self.contract >= STORED_DOCUMENT_SINCE
        self.request = LinkRequest.from_dict(data["request"])
        self.options = RunOptions.from_json(data["options"])
        carried = data.get("carry")
        self.doc = (StatusDocument.from_json(carried) if carried
                    else StatusDocument.new("link", self.request.to_dict(), self.options.links, self.now,
                                            self.request.mode.irreversibility_notice))
        self.doc.adopt_run(data.get("previousRuns"), data.get("requestedBy"))
        if self.stores_document:
            self.doc.adopt_contract(data.get("runId"))
        self.unpublished: list[dict[str, Any]] = data.get("unpublished") or []
        self.initial_environment: dict[str, Any] | None = self.doc.initial_environment

    @property
    def now(self) -> datetime:
        return utc(self.context.current_utc_datetime)

    def execute(self) -> Generator[Any, Any, dict[str, Any]]:
        try:
            if self.doc.provisioning is not None:
                return (yield from self.monitor())  # resumed by continue-as-new
            if self.doc.phase == phases.AWAITING_CONFIRMATION:
                return (yield from self.confirm_and_set_up(resumed=True))  # continued as new by the wait
            return (yield from self.validate_confirm_and_set_up())
        except Exception as exc:  # an activity failed even after its retries: end clearly, never hang
            return (yield from self.finish(phases.FAILED, f"The run stopped on an unexpected error: {exc}"))

    # -- phases -------------------------------------------------------------------------------

    def validate_confirm_and_set_up(self):
        self.show()
        if self.contract >= VALIDATING_BESIDE_FACTS_SINCE:
            # Nothing waits for the Validating document or event, so they go out with the first facts
            # rather than costing two activity round trips before them.
            beside = [self.persist_task(), self.publish_task(self.phase_event(phases.VALIDATING))]
            facts, results = yield from validate(self.context, self.request, beside=beside)
        else:
            yield from self.announce(phases.VALIDATING)
            facts, results = yield from validate(self.context, self.request)
        self.remember_validation(facts, results)
        if not validation_passed(results):
            return (yield from self.finish(phases.VALIDATION_FAILED, "One or more prerequisites are not met.",
                                           checks=self.failed_check_ids()))
        return (yield from self.confirm_and_set_up())

    def confirm_and_set_up(self, resumed: bool = False):
        decision = yield from self.await_confirmation(resumed)
        if decision.kind == "reset":
            return self.continue_as_new(unpublished=list(decision.unfinished))
        if decision.kind == "expired":
            return (yield from self.finish(phases.CONFIRMATION_EXPIRED,
                                           "Nobody confirmed before the deadline; nothing was changed."))
        if decision.kind == "cancelled":
            detail = decision.detail
            return (yield from self.finish(phases.CANCELLED, "Cancelled before setup; nothing was changed.",
                                           reason=detail.get("reason"), by=detail.get("by"),
                                           attemptId=detail.get("attemptId")))

        if self.now - parse_iso(self.doc.validated_at) > timedelta(seconds=self.options.revalidate_after_seconds):
            from domain.checks import revalidated_checks  # not at app load: the checks load with validation

            facts, results = yield from validate(self.context, self.request, revalidated_checks())
            self.remember_validation(facts, results, partial=True)
            if not validation_passed(results):
                return (yield from self.finish(phases.VALIDATION_FAILED,
                                               "A prerequisite changed between validation and confirmation.",
                                               checks=self.failed_check_ids()))

        mode = self.request.mode
        if not mode.starts_setup:
            self.doc.operator_instructions = mode.instructions(self.request)
        self.enter(phases.STARTING_SETUP)
        yield from self.announce(phases.STARTING_SETUP, None if mode.starts_setup else
                                 {"operatorInstructions": self.doc.operator_instructions})
        if mode.starts_setup:
            started = yield from self.start_setup()
            if not started.proceeds:
                return (yield from self.finish(phases.FAILED, started.message))
            self.begin_provisioning(started.setupActivityId)
            yield from self.announce(phases.PROVISIONING)
        else:  # a person starts it; the monitor sees provisioning begin
            self.progress(anchor=self.now, started=False)
        return (yield from self.monitor())

    def start_setup(self) -> Generator[Any, Any, SetupStart]:
        """Ask the mode's service to start setup; while it is throttled or unavailable, ask again after
        its Retry-After."""
        give_up_at = self.now + timedelta(seconds=self.options.setup_start_patience_seconds)
        while True:
            started = from_json(SetupStart, (yield self.context.call_activity_with_retry(
                activity.START_SETUP, ACTIVITY_RETRY,
                {"request": self.request.to_dict(), "confirmedBy": self.doc.confirmation.typed_name})))
            if started.outcome is not SetupOutcome.RETRY:
                return started
            pause = timedelta(seconds=max(started.retryAfterSeconds or 0, SETUP_RETRY_PAUSE_SECONDS))
            if self.now + pause > give_up_at:
                mode = self.request.mode
                return SetupStart(SetupOutcome.GAVE_UP, message=f"{mode.service_name} did not accept the setup "
                                                                f"request in time: {started.message}. Check "
                                                                f"{mode.where_to_look} before trying again.")
            yield self.context.create_timer(self.now + pause)

    def await_confirmation(self, resumed: bool) -> Generator[Any, Any, Decision]:
        expires_at = parse_iso(self.doc.started_at) + self.request.confirmation_timeout
        beside: list[Beside] = []
        if resumed:  # what ran beside the wait in the execution before starts again (both are idempotent)
            beside = [Beside(self.publish_task(event), event) for event in self.unpublished]
            if self.stores_document:
                beside.append(Beside(self.persist_task()))
        else:
            self.doc.await_confirmation(expires_at, self.now)
            # The document is written before the status says AwaitingConfirmation: no confirmation can come
            # before the waiters are open, and whoever reacts to the event finds the checks.
            yield from self.persist()
            event = self.phase_event(phases.AWAITING_CONFIRMATION, {
                "reviewUrl": self.options.links.get("review"), "statusUrl": self.options.links.get("self"),
                "expiresAt": iso(expires_at), "operator": self.request.operator})
            if self.stores_document:
                beside.append(Beside(self.publish_task(event), event))
            else:  # as the release before the status store did, so its runs in flight replay unchanged
                yield self.publish_task(event)
        self.show()
        return (yield from ConfirmationWait(self, expires_at).wait(beside))

    def monitor(self):
        progress = self.doc.provisioning
        deadline = parse_iso(progress.deadline)
        polls_this_execution = 0
        while True:
            if polls_this_execution >= self.options.max_polls_per_execution:
                return self.continue_as_new()  # keeps each execution's history short
            due = next_poll_at(parse_iso(progress.anchor), self.now, deadline, self.options.poll_schedule,
                               progress.retry_after_seconds)
            progress.next_check_at = iso(due)
            self.show()
            yield self.context.create_timer(due)
            reading = from_json(ProvisioningReading, (yield self.context.call_activity_with_retry(
                activity.READ_PROVISIONING, ACTIVITY_RETRY, self.reading_input(progress))))
            polls_this_execution += 1
            progress.record_reading(reading.state.value, reading.phase, self.now, reading.retryAfterSeconds)
            if reading.state is ProvisioningState.FAILED:
                return (yield from self.finish(phases.PROVISIONING_FAILED, reading.message or "Provisioning failed."))
            if reading.state is ProvisioningState.SUCCEEDED:
                return (yield from self.verify())
            if reading.state is ProvisioningState.NEXT_STEP:
                refused = yield from self.start_next_step()
                if refused is not None:
                    return refused
                progress = self.doc.provisioning
                continue
            if reading.state is ProvisioningState.NOT_STARTED and progress.started:
                # Seen in operator mode: the target was provisioning and is back to Ready without the
                # link, which is how a failed setup looks through public APIs.
                return (yield from self.finish(phases.PROVISIONING_FAILED,
                                               "The target environment finished updating without being linked. "
                                               f"Check {self.request.mode.where_to_look} for the error."))
            if reading.state is ProvisioningState.IN_PROGRESS and not progress.started:
                progress = self.begin_provisioning(reading.setupActivityId)
                yield from self.announce(phases.PROVISIONING)
            if self.now >= deadline:
                return (yield from self.finish(phases.PROVISIONING_TIMED_OUT,
                                               f"Provisioning did not finish by {iso(deadline)}. It may still be "
                                               f"running: check {self.request.mode.where_to_look}."))

    def reading_input(self, progress) -> dict[str, Any]:
        if self.request.mode.reads_by_setup_id:
            return {"request": self.request.to_dict(), "setupActivityId": progress.setup_activity_id}
        return {"request": self.request.to_dict()}

    def start_next_step(self):
        """A setup in steps finished one: ask its checks again, then start the next step once (start_setup
        reads the state first). Returns the run's result when it ends here, else None."""
        mode = self.request.mode
        if mode.next_step_checks:
            facts, results = yield from validate(self.context, self.request, set(mode.next_step_checks))
            self.remember_validation(facts, results, partial=True)
            if not validation_passed(results):
                return (yield from self.finish(phases.FAILED, "A prerequisite of the next setup step is not met; "
                                                              "the steps done so far stay.",
                                               checks=self.failed_check_ids()))
        started = yield from self.start_setup()
        if not started.proceeds:
            return (yield from self.finish(phases.FAILED, started.message))
        self.progress(anchor=self.now, started=True, setup_activity_id=started.setupActivityId)
        self.show()
        return None

    def verify(self):
        self.enter(phases.VERIFYING)
        yield from self.announce(phases.VERIFYING)
        for attempt in range(self.options.verify_attempts):
            result = from_json(Verification, (yield self.context.call_activity_with_retry(
                activity.VERIFY_LINK, ACTIVITY_RETRY, {"request": self.request.to_dict()})))
            if result.verified:
                return (yield from self.finish(
                    phases.LINKED, self.request.mode.done_message,
                    linkedEnvironment=result.evidence, disconnectedEnvironment=self.initial_environment,
                    recommendation=DISCONNECTED_RECOMMENDATION if self.initial_environment else None))
            if attempt + 1 < self.options.verify_attempts:
                yield self.context.create_timer(self.now + timedelta(seconds=self.options.verify_interval_seconds))
        return (yield from self.finish(phases.FAILED, "Provisioning reported success, but the link could not be "
                                                      "verified: " + result.message,
                                       linkedEnvironment=result.evidence))

    # -- state ----------------------------------------------------------------------------------

    def remember_validation(self, facts: "Facts", results, partial: bool = False) -> None:
        operator = facts.value(F.OPERATOR)
        record = self.doc.record_revalidation if partial else self.doc.record_validation
        record(checks_to_json(results), self.now, describe_environments(self.request, facts, self.doc.environments),
               operator.display_name if operator else None)
        links = facts.value(F.LCS_LINKS)
        if links:
            placeholder = next((e for e in links.environments if not e.has_dataverse), None)
            self.initial_environment = placeholder and {"id": placeholder.id, "displayName": placeholder.display_name}
            self.doc.initial_environment = self.initial_environment

    def failed_check_ids(self) -> list[str]:
        return self.doc.failed_check_ids()

    def progress(self, anchor: datetime, started: bool, setup_activity_id: str | None = None):
        deadline = self.now + timedelta(seconds=self.options.provisioning_deadline_seconds)
        return self.doc.progress(anchor, started, deadline, setup_activity_id)

    def begin_provisioning(self, setup_activity_id: str | None):
        progress = self.progress(anchor=self.now, started=True, setup_activity_id=setup_activity_id)
        self.enter(phases.PROVISIONING)
        return progress

    def enter(self, phase: str) -> None:
        self.doc.enter(phase, self.now)

    def show(self) -> None:
        self.context.set_custom_status(self.result())

    @property
    def document_name(self) -> str:
        return document_name(self.context.instance_id, self.doc.run_id)

    def persist_task(self):
        """Write the next version of the document (contract 2); the caller awaits the task."""
        version = self.doc.next_version()
        record = {"name": self.document_name, "version": version, "document": self.doc.to_json()}
        return self.context.call_activity_with_retry(activity.SAVE_STATUS, STORE_RETRY, record)

    def persist(self):
        if self.stores_document:
            yield self.persist_task()

    def announce(self, phase: str, data: dict[str, Any] | None = None):
        """A phase change, then its event. A phase whose document its reader needs at once is written
        before the projection shows it: a final phase (whoever sees the run end finds its outcome) and
        StartingSetup (operator mode's instructions). Other phases show at once; the document follows."""
        if phase in WRITTEN_BEFORE_SHOWN:
            yield from self.persist()
            self.show()
        else:
            self.show()
            yield from self.persist()
        yield self.publish_task(self.phase_event(phase, data))

    def phase_event(self, phase: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"type": phases.event_type(phase), "instanceId": self.context.instance_id,
                "lcsEnvironmentId": self.request.lcsEnvironmentId,
                "powerPlatformEnvironmentId": self.request.powerPlatformEnvironmentId,
                "correlationId": self.request.correlationId, "at": iso(self.now), "data": data or {}}

    def publish_task(self, event: dict[str, Any]):
        return self.context.call_activity_with_retry(activity.PUBLISH_EVENT, ACTIVITY_RETRY, event)

    def continue_as_new(self, **extra: Any) -> dict[str, Any]:
        payload = {"request": self.request.to_dict(), "options": self.options.to_json(), "carry": self.doc.to_json(),
                   **extra}
        if self.stores_document:
            payload["version"] = self.contract
        self.context.continue_as_new(payload)
        return self.result()

    def result(self) -> dict[str, Any]:
        """The output: the final projection (contract 2; the document is in the store), else the whole state."""
        return projection(self.doc, self.document_name) if self.stores_document else self.doc.to_json()

    def finish(self, phase: str, message: str, **details: Any):
        """`details` are the outcome's own keys (domain/status_document.py Outcome)."""
        self.doc.finish(phase, message, self.now, self.doc.audit(self.request.operator, self.request.correlationId),
                        **details)
        yield from self.announce(phase, {"message": message, **{k: v for k, v in details.items() if v is not None}})
        return self.result()
