from __future__ import annotations

import pytest

from activities.setup_modes import both_sides, lcs_api, operator, unified
from tests.activities.fakes import FakeClients


@pytest.fixture
def fake(monkeypatch) -> FakeClients:
    """Every setup-mode module talks to the same fake clients (test_fact_activities has its own)."""
    clients = FakeClients()
    for module in (lcs_api, operator, both_sides, unified):
        monkeypatch.setattr(module, "clients", lambda: clients)
    return clients
