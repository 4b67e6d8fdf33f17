"""Queue intake: what a refused message becomes in the poison queue."""

import base64
import json

import pytest

from domain.request import InvalidRequest
from triggers.queue_intake import MAX_QUOTED_CHARACTERS, parse_message, poison_document
from triggers.settings import AppSettings

QUEUE_MESSAGE_LIMIT = 64 * 1024


def refused(raw: bytes) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        parse_message(raw, AppSettings())
    return caught.value


@pytest.mark.parametrize("raw", [
    ("é" * 20000).encode(),  # JSON escaping would make each of these six characters
    ("é" * 30000).encode(),
    json.dumps({"lcsProjectId": "x" * 30000}).encode(),  # fits whole
    json.dumps({"lcsProjectId": "x" * 40000}).encode(),
    json.dumps({f"k{i}" * 30: i for i in range(500)}).encode(),
    bytes(range(256)) * 100,
])
def test_the_poison_document_always_fits_in_a_queue_message(raw):
    document = poison_document(raw, "id-1", refused(raw))
    assert len(base64.b64encode(document.encode("utf-8"))) < QUEUE_MESSAGE_LIMIT
    parsed = json.loads(document)
    assert parsed["reason"] and parsed["originalLength"] == len(raw)
    assert parsed["originalTruncated"] is (len(parsed["originalMessage"]) < len(raw.decode("utf-8", "replace")))
    assert not parsed["originalTruncated"] or len(parsed["originalMessage"]) == MAX_QUOTED_CHARACTERS


def test_a_short_message_is_quoted_whole():
    raw = "pas du JSON, désolé".encode()
    parsed = json.loads(poison_document(raw, None, refused(raw)))
    assert parsed["originalMessage"] == "pas du JSON, désolé" and parsed["originalTruncated"] is False
    assert parsed["errors"] == [{"field": "(message)", "message": "is not JSON"}]
