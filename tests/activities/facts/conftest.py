from __future__ import annotations

import pytest

from tests.activities.fakes import FakeClients


@pytest.fixture
def fake(monkeypatch) -> FakeClients:
    """The fake clients behind `activities.clients.clients()`, which every fetcher asks."""
    clients = FakeClients()
    monkeypatch.setattr("services.clients.get_clients", lambda: clients)
    return clients
