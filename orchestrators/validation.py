"""One validation round: gather the facts in parallel stages, then run the pure checks.

The stages come from the facts' declarations (`domain/facts/`): the first asks every service at
once; a fact whose input needs other facts' values (the Dataverse facts need the target's URL and
the operator's object id) comes in the stage after theirs. Each fact costs one round trip (its
independent calls go out together), so the longest chain is BAP environment -> Dataverse token
(fetched by the target fact as soon as it knows the URL) -> Dataverse; each fact is fetched once
however many checks use it (LCS allows only 6 metadata calls per project per minute).

The fact classes and the checks are imported by the first validation, not when the app loads.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generator, Sequence

import azure.durable_functions as df

from domain.request import LinkRequest
from domain.serialization import to_json

if TYPE_CHECKING:
    from domain.checks import CheckResult
    from domain.facts import FactResult, Facts, FactSpec

# Activities map service failures to fact errors themselves; these retries cover the host losing one.
ACTIVITY_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=2000, max_number_of_attempts=3)
# Writing the status document: the store may be briefly unavailable; the write is idempotent.
STORE_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=5000, max_number_of_attempts=5)
# A fact whose service was throttled or down through all of the HTTP policy's retries is asked again
# after these pauses (or the service's Retry-After, if longer): a storm costs minutes, not the run.
TRANSIENT_FACT_PAUSES_SECONDS = (30, 120, 300)


def facts_needed(check_ids: set[str] | None, setup_mode: str) -> set[str]:
    """The facts the selected checks read, with the facts their inputs need, as far as they are read
    in this setup mode."""
    from domain.checks import CHECKS, select
    from domain.facts.base import spec, with_dependencies

    read = {name for c in select(CHECKS, setup_mode, check_ids) for name in (*c.needs, *c.optional)}
    return {name for name in with_dependencies(read) if spec(name).read_in(setup_mode)}


def fetch_facts(context: df.DurableOrchestrationContext, calls: list[tuple["FactSpec", dict[str, Any]]],
                beside: Sequence[Any] = ()) -> Generator[Any, Any, list["FactResult"]]:
    """Fetch facts in parallel; ask again, after a durable pause, for those that failed transiently.
    `beside`: tasks scheduled with the first round and awaited with it (their results are not kept)."""
    from domain.facts import FactResult

    results: dict[str, FactResult] = {}
    pending = calls
    for pause in (0, *TRANSIENT_FACT_PAUSES_SECONDS):
        if not pending and not beside:
            break
        if pause:
            asked = max((results[fact.name].error.retry_after or 0) for fact, _ in pending)
            yield context.create_timer(context.current_utc_datetime + timedelta(seconds=max(pause, asked)))
        answers = yield context.task_all([
            # The instance id only labels the activity's telemetry (preflight and link share these activities).
            *(context.call_activity_with_retry(fact.activity, ACTIVITY_RETRY,
                                               {**payload, "instanceId": context.instance_id})
              for fact, payload in pending),
            *beside])
        beside = ()
        results.update((fact.name, FactResult.from_json(answer)) for (fact, _), answer in zip(pending, answers))
        pending = [(fact, payload) for fact, payload in pending
                   if results[fact.name].error is not None and results[fact.name].error.transient]
    return [results[fact.name] for fact, _ in calls]


def gather_facts(context: df.DurableOrchestrationContext, request: LinkRequest, check_ids: set[str] | None = None,
                 beside: Sequence[Any] = ()) -> Generator[Any, Any, "Facts"]:
    """The facts the checks need, stage by stage; `beside` goes out with the first stage."""
    from domain.facts import Facts
    from domain.facts.base import stages

    needed = facts_needed(check_ids, request.setupMode)
    gathered = Facts([])
    for stage in stages():
        decided, to_fetch = [], []
        for fact in (f for f in stage if f.name in needed):
            payload, result = fact.input_for(request.to_dict(), gathered)
            if result:
                decided.append(result)
            else:
                to_fetch.append((fact, payload))
        fetched = yield from fetch_facts(context, to_fetch, beside)
        beside = ()
        gathered = gathered.merged(Facts(decided + fetched))
    return gathered


def validate(context: df.DurableOrchestrationContext, request: LinkRequest, check_ids: set[str] | None = None,
             beside: Sequence[Any] = ()) -> Generator[Any, Any, tuple["Facts", list["CheckResult"]]]:
    from domain.checks import run_checks

    facts = yield from gather_facts(context, request, check_ids, beside)
    return facts, run_checks(request, facts, check_ids)


def validation_passed(results: list["CheckResult"]) -> bool:
    """domain.checks' verdict, for orchestrators that import this module and not the checks."""
    from domain.checks import validation_passed as passed

    return passed(results)


def checks_to_json(results: list["CheckResult"]) -> list[dict[str, Any]]:
    return [to_json(r) for r in results]
