"""devhost's storage-full hook and queue messageEncoding (no processes)."""
import json
import sqlite3
from pathlib import Path

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from devhost.durable_api import PREFIX, DurableApi
from devhost.queues import _body_datum
from devhost.settings import load_host_json
from devhost.store import Store


@pytest.mark.parametrize("value, expected", [(None, "base64"), ("none", "none"), ("Base64", "base64"),
                                             ("None", "none")])
def test_message_encoding_is_read_from_host_json(tmp_path: Path, value, expected):
    queues = {"messageEncoding": value} if value else {}
    (tmp_path / "host.json").write_text(json.dumps({"version": "2.0", "extensions": {"queues": queues}}))
    assert load_host_json(tmp_path, {}).queues.message_encoding == expected


def test_an_unknown_message_encoding_stops_the_host(tmp_path: Path):
    (tmp_path / "host.json").write_text(json.dumps({"extensions": {"queues": {"messageEncoding": "utf8"}}}))
    with pytest.raises(ValueError, match="base64 or none"):
        load_host_json(tmp_path, {})


def test_messages_are_decoded_only_under_base64():
    assert _body_datum("eyJhIjogMX0=", "base64").value == '{"a": 1}'
    assert _body_datum("not base64 {", "none").value == "not base64 {"
    with pytest.raises(ValueError):
        _body_datum("not base64 {", "base64")  # the host fails it before the function runs


def test_a_full_store_refuses_writes_whole_and_takes_them_again(tmp_path: Path):
    store = Store(tmp_path / "db.sqlite3")
    store.full = True
    with pytest.raises(sqlite3.OperationalError, match="disk is full"):
        store.set_meta("clock", "x")
    assert store.get_meta("clock") is None
    store.full = False
    store.set_meta("clock", "x")
    assert store.get_meta("clock") == "x"


class _Engine:
    def __init__(self, store):
        self.store = store

    def start_new(self, *args):
        self.store.set_meta("started", "yes")  # any write


def test_the_durable_api_answers_500_like_the_extension_when_storage_fails(tmp_path: Path):
    store = Store(tmp_path / "db.sqlite3")
    store.full = True
    api = DurableApi(_Engine(store), "Hub")
    request = Request(EnvironBuilder(method="POST", path=f"{PREFIX}/orchestrators/x", json={}).get_environ())
    answer = api.handle(request, f"{PREFIX}/orchestrators/x")
    assert answer.status_code == 500 and "disk is full" in answer.get_json()["ExceptionMessage"]
    assert store.get_meta("started") is None
