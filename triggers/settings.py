"""The app settings the triggers read. Orchestrations get them through their input, never directly."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Mapping

from domain.durations import parse_duration
from domain.polling import schedule_from_json
from orchestrators.options import RunOptions
from triggers.identity import DEFAULT_IDENTITY_PROVIDERS


@dataclass(frozen=True)
class AppSettings:
    default_setup_mode: str = "operator"
    default_confirmation_timeout: str = "P3D"
    revalidate_after: str = "PT1H"
    provisioning_deadline: str = "PT4H"
    confirmers: frozenset[str] = frozenset()
    public_base_url: str | None = None
    poll_schedule_json: str | None = None
    allowed_identity_providers: frozenset[str] = DEFAULT_IDENTITY_PROVIDERS

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "AppSettings":
        confirmers = _lowered_list(environ.get("LINK_CONFIRMERS", ""))
        providers = _lowered_list(environ.get("LINK_ALLOWED_IDENTITY_PROVIDERS", ""))
        return cls(
            default_setup_mode=environ.get("LINK_DEFAULT_SETUP_MODE") or cls.default_setup_mode,
            default_confirmation_timeout=environ.get("LINK_CONFIRMATION_TIMEOUT") or cls.default_confirmation_timeout,
            revalidate_after=environ.get("LINK_REVALIDATE_AFTER") or cls.revalidate_after,
            provisioning_deadline=environ.get("LINK_PROVISIONING_DEADLINE") or cls.provisioning_deadline,
            confirmers=frozenset(confirmers),
            public_base_url=(environ.get("LINK_PUBLIC_BASE_URL") or "").rstrip("/") or None,
            poll_schedule_json=environ.get("LINK_POLL_SCHEDULE") or None,
            allowed_identity_providers=frozenset(providers) or DEFAULT_IDENTITY_PROVIDERS,
        )

    def run_options(self, links: dict[str, str]) -> RunOptions:
        schedule = schedule_from_json(json.loads(self.poll_schedule_json)) if self.poll_schedule_json else None
        return RunOptions(
            revalidate_after_seconds=parse_duration(self.revalidate_after).total_seconds(),
            provisioning_deadline_seconds=parse_duration(self.provisioning_deadline).total_seconds(),
            links=links, **({"poll_schedule": schedule} if schedule else {}))


def _lowered_list(text: str) -> set[str]:
    return {item.strip().lower() for item in text.split(",") if item.strip()}
