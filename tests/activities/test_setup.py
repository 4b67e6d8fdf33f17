"""activities/setup.py: the three Durable activities dispatch to the run's mode, and turn service
trouble into answers the orchestrator waits out."""

from __future__ import annotations

import pytest

import activities.setup as setup
from activities.setup_modes import StartsSetup, WatchesSetup, watcher_for
from domain.setup_modes import all_modes
from services.errors import ServiceUnavailable, Throttled
from tests.activities.setup_modes.support import REQUEST, run


@pytest.mark.parametrize("mode", all_modes(), ids=lambda m: m.name)
def test_every_mode_has_its_activities(mode):
    module = watcher_for(mode)
    assert isinstance(module, WatchesSetup)
    assert isinstance(module, StartsSetup) == mode.starts_setup, f"{mode.name}: starts_setup says otherwise"


def test_a_failed_look_is_unknown_not_fatal(fake, monkeypatch):
    def down(*_):
        raise ServiceUnavailable("lcs", "get_integration", 503, None, "Service Unavailable")
    monkeypatch.setattr(fake.lcs_client, "get_integration", down)
    reading = run(setup.read_provisioning, {"request": REQUEST})
    assert reading["state"] == "Unknown" and "503" in reading["message"]
    assert list(reading) == ["state", "message", "retryAfterSeconds"] and reading["retryAfterSeconds"] is None


@pytest.mark.parametrize("error", [
    Throttled("lcs", "get_integration", 429, None, "Too Many Requests", retry_after=120),
    ServiceUnavailable("lcs", "get_integration", 503, None, "Service Unavailable"),
])
def test_a_throttled_or_unavailable_lcs_means_try_again_later(fake, monkeypatch, error):
    def fail(*_):
        raise error
    monkeypatch.setattr(fake.lcs_client, "get_integration", fail)
    result = run(setup.start_setup, {"request": REQUEST, "confirmedBy": "Adele Vance"})
    assert result["outcome"] == "retry" and fake.lcs_client.starts == []
    assert result["retryAfterSeconds"] == getattr(error, "retry_after", None)
    assert list(result) == ["outcome", "retryAfterSeconds", "message"]
