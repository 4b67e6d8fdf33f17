"""Parsing link requests: every bad field is named; good ones are normalized."""

import pytest

from domain.request import InvalidRequest, decode_link_request, parse_link_request
from domain.values import is_guid

GOOD = {
    "lcsProjectId": 1234567,
    "lcsEnvironmentId": "D15ED3A8C2C14054840B946C93915DA9",
    "powerPlatformEnvironmentId": "00000000-0000-0000-0000-000000000001",
    "operator": "o'brien@contoso.onmicrosoft.com",
}


def parse(body):
    return parse_link_request(body, default_setup_mode="operator", default_confirmation_timeout="P3D")


def test_a_good_request_is_normalized():
    request = parse(GOOD)
    assert request.lcsEnvironmentId == "d15ed3a8-c2c1-4054-840b-946c93915da9"
    assert request.instance_id == "link-d15ed3a8-c2c1-4054-840b-946c93915da9"
    assert request.setupMode == "operator" and request.confirmationTimeout == "P3D"
    assert parse({**GOOD, "confirmationTimeout": "PT24H"}).confirmationTimeout == "P1D"


def fields_of(body) -> dict[str, str]:
    with pytest.raises(InvalidRequest) as caught:
        parse(body)
    return {e.field: e.message for e in caught.value.errors}


@pytest.mark.parametrize("change, field", [
    ({"lcsProjectId": 0}, "lcsProjectId"),
    ({"lcsProjectId": -5}, "lcsProjectId"),
    ({"lcsProjectId": "1234567"}, "lcsProjectId"),
    ({"lcsProjectId": True}, "lcsProjectId"),
    ({"lcsProjectId": 1.5}, "lcsProjectId"),
    ({"lcsProjectId": 2**40}, "lcsProjectId"),
    ({"lcsEnvironmentId": "not-a-guid"}, "lcsEnvironmentId"),
    ({"lcsEnvironmentId": 42}, "lcsEnvironmentId"),
    ({"powerPlatformEnvironmentId": "{00000000-0000-0000-0000-000000000001}"}, "powerPlatformEnvironmentId"),
    ({"operator": "admin"}, "operator"),
    ({"operator": "admin@localhost"}, "operator"),
    ({"operator": "a b@contoso.com"}, "operator"),
    ({"operator": "x" * 120 + "@contoso.com"}, "operator"),
    ({"setupMode": "portal"}, "setupMode"),
    ({"confirmationTimeout": "P1Y"}, "confirmationTimeout"),
    ({"confirmationTimeout": "PT5M"}, "confirmationTimeout"),
    ({"confirmationTimeout": "P31D"}, "confirmationTimeout"),
    ({"confirmationTimeout": 3}, "confirmationTimeout"),
    ({"correlationId": "x" * 201}, "correlationId"),
    ({"correlationId": {"a": 1}}, "correlationId"),
    ({"lcsEnviromentId": "typo"}, "lcsEnviromentId"),
])
def test_each_bad_field_is_named(change, field):
    assert field in fields_of({**GOOD, **change})


def test_every_problem_is_reported_at_once():
    errors = fields_of({"setupMode": "x"})
    # An unknown mode needs what every mode needs (the LCS fields are unified's to refuse).
    assert {"powerPlatformEnvironmentId", "operator", "setupMode"} <= set(errors)
    assert errors["operator"] == "is required"


@pytest.mark.parametrize("body", [None, [], "text", 12])
def test_a_body_that_is_not_an_object(body):
    assert fields_of(body) == {"(body)": "must be a JSON object"}


def test_unknown_fields_are_named_briefly_and_few():
    errors = fields_of({**GOOD, **{f"junk{i}" + "x" * 200: 1 for i in range(30)}})
    unknown = [field for field in errors if field.startswith("junk")]
    assert len(unknown) == 10 and all(len(field) <= 64 for field in unknown)
    assert errors["(body)"] == "has 20 more unknown fields"


@pytest.mark.parametrize("raw, field", [
    (b'{"a": ' + b"[" * 3000 + b"]" * 3000 + b"}", "(body)"),
    (b'{"operator": "a@b.com", "operator": "c@d.com"}', "operator"),
    (b"\xef\xbb\xbf{}", "(body)"),
    ("{}".encode("utf-16"), "(body)"),
    (b"\xff{}", "(body)"),
])
def test_bodies_are_decoded_strictly(raw, field):
    with pytest.raises(InvalidRequest) as refused:
        decode_link_request(raw, where="(body)", max_bytes=65536, default_setup_mode="operator",
                            default_confirmation_timeout="P3D")
    assert [e.field for e in refused.value.errors] == [field]


GUID = "a98e06c0-b563-411f-9431-23b5ed5c93ed"


@pytest.mark.parametrize("value", [GUID + "\n", "\n" + GUID, GUID + "\u0000", "ａ" + GUID[1:], GUID + " "])
def test_ids_are_matched_whole(value):
    assert not is_guid(value)
