"""The Durable activities that act on, and watch, the link itself; each mode's work is in
activities/setup_modes/<mode>.py.

`start_setup` is the one irreversible step; `read_provisioning` takes one look at provisioning;
`verify_link` checks that the link is there. Their names and the JSON of their answers are recorded
in every run's history, so they stay as they are. The modes, the request model and the results
load with the first call (after a confirmation), not with the app.
"""

from __future__ import annotations

import azure.durable_functions as df

from activities import names
from activities.clients import traced

bp = df.Blueprint()


@bp.function_name(names.START_SETUP)
@bp.activity_trigger(input_name="payload")
def start_setup(payload: dict) -> dict:
    """Start setup, or adopt the one running for our target, or refuse; "retry" when the service was
    throttled or unavailable. Retrying is safe because every attempt reads the integration state first."""
    from activities.setup_modes import starter_for
    from domain.request import LinkRequest
    from domain.serialization import to_json
    from domain.setup_results import SetupOutcome, SetupStart
    from services.errors import ServiceUnavailable, Throttled

    with traced(names.START_SETUP, payload) as span:
        request = LinkRequest.from_dict(payload["request"])
        try:
            result = starter_for(request.mode).start(request, payload["confirmedBy"])
        except (Throttled, ServiceUnavailable) as exc:
            result = SetupStart(SetupOutcome.RETRY, message=str(exc),
                                retryAfterSeconds=exc.retry_after if isinstance(exc, Throttled) else None)
        span.status(result.outcome.value)
        return to_json(result)


@bp.function_name(names.READ_PROVISIONING)
@bp.activity_trigger(input_name="payload")
def read_provisioning(payload: dict) -> dict:
    """One look at provisioning. A failed look is reported as Unknown: the monitor looks again later."""
    from activities.setup_modes import watcher_for
    from domain.request import LinkRequest
    from domain.serialization import to_json
    from domain.setup_results import ProvisioningReading
    from services.errors import ServiceError

    request = LinkRequest.from_dict(payload["request"])
    with traced(names.READ_PROVISIONING, payload) as span:
        try:
            by_id = (payload.get("setupActivityId"),) if request.mode.reads_by_setup_id else ()
            reading = watcher_for(request.mode).read(request, *by_id)
        except ServiceError as exc:
            reading = ProvisioningReading.unknown(str(exc), getattr(exc, "retry_after", None))
        span.status(reading.state.value)
        return to_json(reading)


@bp.function_name(names.VERIFY_LINK)
@bp.activity_trigger(input_name="payload")
def verify_link(payload: dict) -> dict:
    """Is the link there, as the run's mode sees it (for LCS-managed environments: on both sides)."""
    from activities.setup_modes import watcher_for
    from domain.request import LinkRequest
    from domain.serialization import to_json

    with traced(names.VERIFY_LINK, payload) as span:
        request = LinkRequest.from_dict(payload["request"])
        verdict = watcher_for(request.mode).verify(request)
        span.status("verified" if verdict.verified else "not verified")
        return to_json(verdict)
