"""The status store on Azurite's blob service: versioned, idempotent, never replaced by an older version."""

from __future__ import annotations

import pytest
from azure.storage.blob import BlobServiceClient

from services.status_store import CONTAINER, StatusStore, StatusStoreUnavailable


@pytest.fixture
def store(azurite) -> StatusStore:
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    return StatusStore(service.get_container_client(CONTAINER))


def test_a_version_is_written_once_and_an_older_one_never_replaces_a_newer(store):
    name = "link-store-test/run-1.json"
    assert store.load(name) is None
    assert store.save(name, 1, {"phase": "Validating", "version": 1}) == "written"
    assert store.save(name, 1, {"phase": "Validating", "version": 1}) == "kept"  # the activity ran twice
    assert store.save(name, 3, {"phase": "AwaitingConfirmation", "version": 3}) == "written"
    assert store.save(name, 2, {"phase": "Validating", "version": 2}) == "kept"  # a late, older write
    assert store.load(name) == {"phase": "AwaitingConfirmation", "version": 3}


def test_text_outside_ascii_survives(store):
    name = "link-store-test/run-2.json"
    store.save(name, 1, {"correlationId": "Zoë \U0001F600"})
    assert store.load(name) == {"correlationId": "Zoë \U0001F600"}


def test_an_unreachable_store_is_a_typed_failure():
    dead = ("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;"
            "BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;")
    store = StatusStore(BlobServiceClient.from_connection_string(dead, retry_total=0).get_container_client(CONTAINER))
    with pytest.raises(StatusStoreUnavailable):
        store.load("link-x/run.json")
    with pytest.raises(StatusStoreUnavailable):
        store.save("link-x/run.json", 1, {})
