"""local.settings.json, host.json and storage connection strings, read the way the host reads them."""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Mapping, MutableMapping

from .timeutil import parse_timespan

log = logging.getLogger("devhost")

# Azurite's well-known development account (public, documented by Microsoft; not a secret).
DEV_ACCOUNT = "devstoreaccount1"
DEV_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
DEFAULT_AZURITE_QUEUE_URL = "http://127.0.0.1:10001/devstoreaccount1"
DEFAULT_AZURITE_BLOB_URL = "http://127.0.0.1:10000/devstoreaccount1"

_SETTING_REF = re.compile(r"%([^%]+)%")


def expand(value: str, environ: Mapping[str, str]) -> str:
    """Resolve %SETTING% references as the host does for binding expressions and hubName."""

    def lookup(match: re.Match) -> str:
        name = match.group(1)
        if name not in environ:
            raise KeyError(f"app setting {name!r} is referenced as %{name}% but is not set")
        return environ[name]

    return _SETTING_REF.sub(lookup, value)


@dataclass(frozen=True)
class LocalSettings:
    values: dict[str, str] = field(default_factory=dict)
    http_port: int | None = None
    path: Path | None = None


def load_local_settings(app_dir: Path) -> LocalSettings:
    """Read local.settings.json, creating it from local.settings.example.json when missing."""
    path = app_dir / "local.settings.json"
    example = app_dir / "local.settings.example.json"
    if not path.exists() and example.exists():
        shutil.copyfile(example, path)
        log.info("created %s from %s", path.name, example.name)
    if not path.exists():
        return LocalSettings()
    document = json.loads(path.read_text(encoding="utf-8"))
    values = {str(k): "" if v is None else str(v) for k, v in (document.get("Values") or {}).items()}
    port = (document.get("Host") or {}).get("LocalHttpPort")
    return LocalSettings(values=values, http_port=int(port) if port else None, path=path)


def apply_values(values: Mapping[str, str], environ: MutableMapping[str, str]) -> list[str]:
    """Copy Values into the environment; like Core Tools, variables already set win. Returns skipped names."""
    skipped = []
    for name, value in values.items():
        if name in environ:
            skipped.append(name)
        else:
            environ[name] = value
    return skipped


@dataclass(frozen=True)
class QueueOptions:
    max_dequeue_count: int = 5
    visibility_timeout: timedelta = timedelta(0)
    batch_size: int = 16
    new_batch_threshold: int = 8
    max_polling_interval: timedelta = timedelta(minutes=1)
    # "base64" (the extension's default) or "none": how trigger messages are read and outputs written.
    message_encoding: str = "base64"


@dataclass(frozen=True)
class DurableOptions:
    hub_name: str = "TestHubName"
    max_concurrent_activities: int = 10 * (os.cpu_count() or 1)
    max_concurrent_orchestrators: int = 10 * (os.cpu_count() or 1)
    # "AnyState" (the extension's default: starting an existing id replaces it) or "NonRunningStates".
    overridable_existing_instance_states: str = "AnyState"
    default_version: str = ""


@dataclass(frozen=True)
class HostConfig:
    route_prefix: str = "api"
    queues: QueueOptions = QueueOptions()
    durable: DurableOptions = DurableOptions()


def _lower_keys(section: object) -> dict:
    return {str(k).lower(): v for k, v in section.items()} if isinstance(section, dict) else {}


def load_host_json(app_dir: Path, environ: Mapping[str, str]) -> HostConfig:
    path = app_dir / "host.json"
    document = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    extensions = _lower_keys(document.get("extensions"))
    http = _lower_keys(extensions.get("http"))
    queues = _lower_keys(extensions.get("queues"))
    durable = _lower_keys(extensions.get("durabletask"))

    batch = min(int(queues.get("batchsize", 16)), 32)
    queue_options = QueueOptions(
        max_dequeue_count=int(queues.get("maxdequeuecount", 5)),
        visibility_timeout=parse_timespan(queues.get("visibilitytimeout", "00:00:00")),
        batch_size=batch,
        new_batch_threshold=int(queues.get("newbatchthreshold", max(batch // 2, 1))),
        max_polling_interval=parse_timespan(queues.get("maxpollinginterval", "00:01:00")),
        message_encoding=_message_encoding(queues.get("messageencoding", "base64")),
    )
    defaults = DurableOptions()
    hub = durable.get("hubname")
    durable_options = DurableOptions(
        hub_name=expand(str(hub), environ) if hub else defaults.hub_name,
        max_concurrent_activities=int(
            durable.get("maxconcurrentactivityfunctions", defaults.max_concurrent_activities)
        ),
        max_concurrent_orchestrators=int(
            durable.get("maxconcurrentorchestratorfunctions", defaults.max_concurrent_orchestrators)
        ),
        overridable_existing_instance_states=str(
            durable.get("overridableexistinginstancestates", defaults.overridable_existing_instance_states)
        ),
        default_version=str(durable.get("defaultversion", "") or ""),
    )
    prefix = http.get("routeprefix", "api")
    return HostConfig(route_prefix=str(prefix).strip("/"), queues=queue_options, durable=durable_options)


def _message_encoding(value: object) -> str:
    encoding = str(value).strip().lower()
    if encoding not in ("base64", "none"):
        raise ValueError(f"host.json extensions.queues.messageEncoding must be base64 or none, not {value!r}")
    return encoding


def development_connection_string(queue_url: str, blob_url: str | None = None) -> str:
    blob = f"BlobEndpoint={blob_url.rstrip('/')};" if blob_url else ""
    return (
        f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_ACCOUNT_KEY};"
        f"QueueEndpoint={queue_url.rstrip('/')};{blob}"
    )


def is_development_storage(connection_string: str) -> bool:
    return connection_string.replace(" ", "").lower().startswith("usedevelopmentstorage=true")
