"""Token prefetch at start-up, when TOKEN_PREFETCH_AT_START is true: a background thread fetches
the app tokens every validation needs (Graph, BAP, Power Platform API) while the instance has
nothing else to do, so that the first link on a fresh instance does not wait for Entra's openid
configuration and three tokens. Off by default: it is free only where instances start before
traffic (Premium, Flex Consumption always-ready); on a Consumption plan the first request is what
starts the instance, and the prefetch would compete with it for the core."""

from __future__ import annotations

import os
import threading
from typing import Mapping


def start_token_prefetch(environ: Mapping[str, str] = os.environ) -> threading.Thread | None:
    """Start the prefetch thread if the setting asks for it; nothing is imported otherwise."""
    if environ.get("TOKEN_PREFETCH_AT_START", "").strip().lower() not in ("1", "true", "yes"):
        return None
    thread = threading.Thread(target=_prefetch, name="token-prefetch-at-start", daemon=True)
    thread.start()
    return thread


def _prefetch() -> None:
    from services.clients import get_clients

    get_clients().prefetch_app_tokens()
