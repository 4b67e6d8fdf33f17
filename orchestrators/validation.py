"""One validation round: gather the facts in two parallel stages, then run the pure checks.

The first stage asks every service at once; the second needs the target's Dataverse URL and the
operator's object id from the first. Each fact costs one round trip (its independent calls go out
together), so the longest chain is BAP environment -> Dataverse token (fetched by the target fact
as soon as it knows the URL) -> Dataverse; each fact is fetched once however many checks use it (LCS allows only 6 metadata
calls per project per minute).

The fact classes and the checks are imported by the first validation, not when the app loads.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generator

import azure.durable_functions as df

from activities.names import FACT_ACTIVITIES
from domain import vocabulary as F
from domain.request import LinkRequest
from domain.serialization import to_json

if TYPE_CHECKING:
    from domain.checks import CheckResult
    from domain.facts import FactResult, Facts

# Activities map service failures to fact errors themselves; these retries cover the host losing one.
ACTIVITY_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=2000, max_number_of_attempts=3)
# Writing the status document: the store may be briefly unavailable; the write is idempotent.
STORE_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=5000, max_number_of_attempts=5)
# A fact whose service was throttled or down through all of the HTTP policy's retries is asked again
# after these pauses (or the service's Retry-After, if longer): a storm costs minutes, not the run.
TRANSIENT_FACT_PAUSES_SECONDS = (30, 120, 300)

FIRST_STAGE = (F.OPERATOR, F.TARGET, F.TENANT_SETTINGS, F.CAPACITY, F.LCS_ENVIRONMENT, F.LCS_LINKS, F.LCS_INTEGRATION)
SECOND_STAGE = (F.DATAVERSE_ROLES, F.DATAVERSE_INTEGRATION)


def facts_needed(check_ids: set[str] | None, setup_mode: str) -> set[str]:
    from domain.checks import CHECKS

    needed = {name for c in CHECKS if check_ids is None or c.id in check_ids for name in (*c.needs, *c.optional)}
    if F.DATAVERSE_ROLES in needed:
        needed |= {F.OPERATOR, F.TARGET}
    if F.DATAVERSE_INTEGRATION in needed:
        needed.add(F.TARGET)
    if setup_mode != "lcs-api":
        # LCS's own integration state is only readable through the lcs-api contract.
        needed.discard(F.LCS_INTEGRATION)
    return needed


def second_stage_input(name: str, first: "Facts",
                       request: LinkRequest) -> tuple[dict[str, Any] | None, "FactResult | None"]:
    """The input of a second-stage fact, or the result it must have without being fetched."""
    from domain.facts import FactError, FactResult

    upstream = [F.TARGET] + ([F.OPERATOR] if name == F.DATAVERSE_ROLES else [])
    for dependency in upstream:
        result = first.result(dependency)
        if result.error:
            error = FactError(result.error.service, result.error.operation,
                              f"needed {dependency}, which could not be fetched: {result.error.message}",
                              result.error.status, result.error.code, result.error.remedy)
            return None, FactResult(name, error=error)
    target = first.value(F.TARGET)
    if not target.has_dataverse or not target.instance_url:
        return None, FactResult(name, skipped="the target environment has no Dataverse database")
    payload = {"request": request.to_dict(), "instanceUrl": target.instance_url}
    if name == F.DATAVERSE_ROLES:
        payload["operatorObjectId"] = first.value(F.OPERATOR).object_id
    return payload, None


def fetch_facts(context: df.DurableOrchestrationContext,
                calls: list[tuple[str, dict[str, Any]]]) -> Generator[Any, Any, list["FactResult"]]:
    """Fetch facts in parallel; ask again, after a durable pause, for those that failed transiently."""
    from domain.facts import FactResult

    results: dict[str, FactResult] = {}
    pending = calls
    for pause in (0, *TRANSIENT_FACT_PAUSES_SECONDS):
        if not pending:
            break
        if pause:
            asked = max((results[name].error.retry_after or 0) for name, _ in pending)
            yield context.create_timer(context.current_utc_datetime + timedelta(seconds=max(pause, asked)))
        answers = yield context.task_all([
            # The instance id only labels the activity's telemetry (preflight and link share these activities).
            context.call_activity_with_retry(FACT_ACTIVITIES[name], ACTIVITY_RETRY,
                                             {**payload, "instanceId": context.instance_id})
            for name, payload in pending])
        results.update((name, FactResult.from_json(answer)) for (name, _), answer in zip(pending, answers))
        pending = [(name, payload) for name, payload in pending
                   if results[name].error is not None and results[name].error.transient]
    return [results[name] for name, _ in calls]


def gather_facts(context: df.DurableOrchestrationContext, request: LinkRequest,
                 check_ids: set[str] | None = None) -> Generator[Any, Any, "Facts"]:
    from domain.facts import Facts

    needed = facts_needed(check_ids, request.setupMode)
    first = Facts((yield from fetch_facts(
        context, [(name, {"request": request.to_dict()}) for name in FIRST_STAGE if name in needed])))

    decided, to_fetch = [], []
    for name in (n for n in SECOND_STAGE if n in needed):
        payload, result = second_stage_input(name, first, request)
        if result:
            decided.append(result)
        else:
            to_fetch.append((name, payload))
    second = yield from fetch_facts(context, to_fetch)
    return first.merged(Facts(decided + second))


def validate(context: df.DurableOrchestrationContext, request: LinkRequest,
             check_ids: set[str] | None = None) -> Generator[Any, Any, tuple["Facts", list["CheckResult"]]]:
    from domain.checks import run_checks

    facts = yield from gather_facts(context, request, check_ids)
    return facts, run_checks(request, facts, check_ids)


def validation_passed(results: list["CheckResult"]) -> bool:
    """domain.checks' verdict, for orchestrators that import this module and not the checks."""
    from domain.checks import validation_passed as passed

    return passed(results)


def checks_to_json(results: list["CheckResult"]) -> list[dict[str, Any]]:
    return [to_json(r) for r in results]
