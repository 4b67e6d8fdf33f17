"""Start-up warm-up, when TOKEN_PREFETCH_AT_START is true: a background thread does, while the
instance has nothing else to do, what the first validation on it would otherwise do on its own
critical path: build the app's credential and fetch the app tokens every validation needs (Graph,
BAP, Power Platform API), read the LCS token cache and discover its sign-in authority, build the
status store's client, and import the fact and check modules. The first link on a fresh instance
then waits for none of it. A step that fails is left for the request that needs it to meet and
report; nothing is fetched for any operator (no LCS token is refreshed).

Unset, it is off (the tests and benchmarks choose); the deployment template and the example local
settings turn it on. Measured on a fresh host whose first request arrives as the instance is ready
(a Flex Consumption instance started by that request): the warm-up races it and still shortens a
first validation by 1 to 2 L; a first status read instead pays 20-40 ms for the competition, and
reads after it find the status store ready. On an instance started before its traffic (always-ready,
Premium) the first validation costs what a warm one does. bench/README.md, "Fan-out", has the figures.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import threading
import time
from typing import Callable, Mapping, Sequence

log = logging.getLogger(__name__)


def start_token_prefetch(environ: Mapping[str, str] = os.environ, modules: Sequence[str] = ()) -> threading.Thread | None:
    """Start the warm-up thread if the setting asks for it; nothing is imported otherwise. `modules`:
    the upper layers' code a first request imports (the app names it; services cannot import it)."""
    if environ.get("TOKEN_PREFETCH_AT_START", "").strip().lower() not in ("1", "true", "yes"):
        return None
    thread = threading.Thread(target=warm_up, args=(modules,), name="token-prefetch-at-start", daemon=True)
    thread.start()
    return thread


def warm_up(modules: Sequence[str] = ()) -> None:
    """The steps in the order the first validation needs them: the token requests go out first
    (they wait on the network, the imports that follow do not). Returns once all are done."""
    from services.clients import get_clients

    started = time.monotonic()
    fetches: list[threading.Thread] = []
    for step in (lambda: fetches.extend(get_clients().prefetch_app_tokens()),
                 lambda: fetches.append(get_clients().prefetch_lcs_sign_in()),
                 _status_store, _validation_modules, *(functools.partial(importlib.import_module, m) for m in modules)):
        _quietly(step)
    for fetch in fetches:
        fetch.join()
    log.info("start-up warm-up done in %d ms", round((time.monotonic() - started) * 1000))


def _status_store() -> None:
    from services.status_store import StatusStore

    StatusStore.from_environment()


def _validation_modules() -> None:
    """Every fact's classes and every check: what the orchestrator and the fact activities import
    in their first validation."""
    import domain.checks  # noqa: F401
    from domain.facts.base import stages

    stages()


def _quietly(step: Callable[[], object]) -> None:
    try:
        step()
    except Exception as error:  # noqa: BLE001 (the request that needs this step meets the error and reports it)
        # The type only: a message could quote a setting.
        log.warning("start-up warm-up: a step failed (%s); the first request will do it", type(error).__name__)
