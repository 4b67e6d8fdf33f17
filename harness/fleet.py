"""Made-up items of `GET /api/links` for the fleet views (page, `cli list`) and their benchmark: one
item per run, phases in turn, ages a minute apart."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from domain.phases import ALL_PHASES

FLEET_NOW = datetime(2025, 3, 2, 12, 0, tzinfo=timezone.utc)
_BASE = "http://127.0.0.1:7071/api/links"


def fleet_item(number: int, phase: str, minutes_ago: int = 5, setup_mode: str = "lcs-api") -> dict:
    instance_id = f"link-{number:08d}-0000-4000-8000-{number:012d}"
    return {"instanceId": instance_id, "phase": phase, "kind": "link", "setupMode": setup_mode,
            "correlationId": None, "lcsEnvironmentId": instance_id[5:],
            "powerPlatformEnvironmentId": f"{number:08d}-1111-4000-8000-000000000000",
            "operator": f"op{number}@contoso.onmicrosoft.com",
            "createdTime": (FLEET_NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "lastUpdatedTime": FLEET_NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "links": {"self": f"{_BASE}/{instance_id}", "review": f"{_BASE}/{instance_id}/review"}}


def fleet_items(count: int = 500) -> list[dict]:
    phases = [p for p in ALL_PHASES if p != "Validated"]
    return [fleet_item(n, phases[n % len(phases)], minutes_ago=n) for n in range(count)]
