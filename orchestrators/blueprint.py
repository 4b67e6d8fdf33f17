"""The orchestrator functions the host indexes. Their code (the run, its domain classes) loads with
their first episode, not with the app: a cold start pays only for these names and bindings."""

from __future__ import annotations

import azure.durable_functions as df

bp = df.Blueprint()


@bp.orchestration_trigger(context_name="context")
def link_environment(context: df.DurableOrchestrationContext):
    from orchestrators.link_environment import LinkRun

    return (yield from LinkRun(context, context.get_input()).execute())


@bp.orchestration_trigger(context_name="context")
def preflight(context: df.DurableOrchestrationContext):
    from orchestrators.preflight import run_preflight

    return (yield from run_preflight(context))
