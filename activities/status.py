"""The run's full status document, written where size is no issue (services.status_store).

Safe to run twice and out of order: the store keeps the highest version it was given.
A storage failure raises, so the framework retries the activity (orchestrators.validation.ACTIVITY_RETRY).
"""

import azure.durable_functions as df

from activities import names

bp = df.Blueprint()


@bp.function_name(names.SAVE_STATUS)
@bp.activity_trigger(input_name="record")
def save_status(record: dict) -> dict:
    from services.status_store import StatusStore

    outcome = StatusStore.from_environment().save(record["name"], record["version"], record["document"])
    return {"outcome": outcome, "version": record["version"]}
