"""Property-based fuzz of the two parsers hostile input meets first: the link request
parser (HTTP body and queue message) and the Easy Auth principal parser. No input raises anything
but the typed refusal, and whatever is accepted is exactly what it looks like."""

from __future__ import annotations

import base64
import json
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.request import InvalidRequest, LinkRequest, decode_link_request
from domain.values import is_guid
from domain.strict_json import JsonRefused, decode_json
from triggers.identity import MalformedPrincipal, Principal, principal_from_headers

VALID = {"lcsProjectId": 1234567, "lcsEnvironmentId": "a98e06c0-b563-411f-9431-23b5ed5c93ed",
         "powerPlatformEnvironmentId": "fc384085-a8b1-4b50-926a-e95c355a7195",
         "operator": "admin@contoso.onmicrosoft.com", "correlationId": "ticket 42"}
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20)
nasty_text = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(
    ["\n", "\r", "\u0000", "\u200b", "\u202e", "\u2028", "\ufeff", "[", "{", '"', "\\"]), max_size=40)


def mutated_requests():
    """A valid request with one field replaced, suffixed or removed, or an unknown one added."""
    field = st.sampled_from([*VALID, "setupMode", "confirmationTimeout", "extra"])
    replaced = st.tuples(field, json_values).map(lambda fv: {**VALID, fv[0]: fv[1]})
    suffixed = st.tuples(st.sampled_from(["lcsEnvironmentId", "powerPlatformEnvironmentId", "operator",
                                          "correlationId"]), nasty_text).map(
        lambda fs: {**VALID, fs[0]: VALID[fs[0]] + fs[1]})
    return replaced | suffixed


def serialised(document) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass")


def parse(raw: bytes):
    return decode_link_request(raw, where="(body)", max_bytes=64 * 1024, default_setup_mode="operator",
                               default_confirmation_timeout="P3D")


def assert_what_it_looks_like(request: LinkRequest) -> None:
    assert is_guid(request.lcsEnvironmentId) and request.lcsEnvironmentId == request.lcsEnvironmentId.lower()
    assert is_guid(request.powerPlatformEnvironmentId)
    assert request.instance_id == f"link-{request.lcsEnvironmentId}" and request.instance_id.isprintable()
    for text in (request.operator, request.correlationId or ""):
        assert all(unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in text)
    assert request.operator.isascii() and request.operator.strip() == request.operator


@FUZZ
@given(st.one_of(st.binary(max_size=300), mutated_requests().map(serialised), nasty_text.map(str.encode),
                 st.integers(1, 3000).map(lambda n: b'{"lcsProjectId": ' + b"[" * n + b"]" * n + b"}")))
def test_the_request_parser_refuses_with_its_typed_error_or_gives_a_clean_request(raw):
    try:
        request = parse(raw)
    except InvalidRequest as refused:
        assert refused.errors and all(e.field and e.message for e in refused.errors)
        return
    assert_what_it_looks_like(request)


@FUZZ
@given(st.text(max_size=200) | st.binary(max_size=200))
def test_the_json_decoder_raises_nothing_but_its_refusal(raw):
    try:
        decode_json(raw)
    except JsonRefused as refused:
        assert refused.reason


def principal_documents():
    claim = st.fixed_dictionaries({"typ": st.sampled_from(["preferred_username", "name", "oid"]) | json_values,
                                   "val": st.just("admin@contoso.onmicrosoft.com") | json_values})
    return st.fixed_dictionaries({}, optional={
        "auth_typ": st.sampled_from(["aad", "google", "AAD"]) | json_values,
        "claims": st.lists(claim, max_size=4) | json_values,
        "name_typ": st.just("preferred_username") | json_values,
    }) | json_values


def encodings(document) -> st.SearchStrategy[str]:
    text = json.dumps(document, ensure_ascii=False)
    variants = [text.encode("utf-8", "surrogatepass"), b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass"),
                text.encode("utf-16", "surrogatepass")]
    return st.sampled_from([base64.b64encode(v).decode() for v in variants] + [text])


@FUZZ
@given(principal_documents().flatmap(encodings),
       st.sampled_from(["admin@contoso.onmicrosoft.com", "ADMIN@contoso.onmicrosoft.com", "", "x"]),
       st.dictionaries(st.sampled_from(["X-MS-CLIENT-PRINCIPAL-ID", "X-MS-CLIENT-PRINCIPAL-IDP"]),
                       st.sampled_from(["aad", "oid-1", ""]), max_size=2))
def test_the_principal_parser_refuses_with_its_typed_error_or_gives_a_clean_principal(encoded, name, extra):
    headers = {"X-MS-CLIENT-PRINCIPAL": encoded, "X-MS-CLIENT-PRINCIPAL-NAME": name, **extra}
    try:
        principal = principal_from_headers(headers)
    except MalformedPrincipal:
        return
    assert isinstance(principal, Principal) and principal.name.lower() == name.lower()
    assert principal.name.isprintable()
