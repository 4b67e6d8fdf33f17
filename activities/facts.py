"""Fact-gathering activities, registered by name: each body is `activities.fetchers.gather_fact`,
imported on the first call so that the fact classes and their fetchers stay out of the app's load."""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from activities.names import FACT_ACTIVITIES

bp = df.Blueprint()


def _register(name: str) -> None:
    def activity(payload: dict) -> dict:
        return gather_fact(name, payload)
    activity.__name__ = activity.__qualname__ = FACT_ACTIVITIES[name]
    bp.function_name(FACT_ACTIVITIES[name])(bp.activity_trigger(input_name="payload")(activity))


def gather_fact(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    from activities import fetchers

    return fetchers.gather_fact(name, payload)


for _fact in FACT_ACTIVITIES:
    _register(_fact)
