"""Easy Auth principal headers: trusted only when they decode and agree."""

import base64
import json

import pytest

from triggers.identity import MalformedPrincipal, Principal, principal_from_headers


def encode(document) -> str:
    return base64.b64encode(json.dumps(document).encode()).decode()


def easy_auth(name: str, oid: str | None = None) -> dict[str, str]:
    claims = [{"typ": "preferred_username", "val": name}]
    if oid:
        claims.append({"typ": "http://schemas.microsoft.com/identity/claims/objectidentifier", "val": oid})
    principal = {"auth_typ": "aad", "claims": claims, "name_typ": "preferred_username", "role_typ": "roles"}
    return {"X-MS-CLIENT-PRINCIPAL": encode(principal), "X-MS-CLIENT-PRINCIPAL-NAME": name}


def test_no_headers_means_no_principal():
    assert principal_from_headers({}) is None


def test_a_real_principal_is_read_with_its_object_id():
    assert principal_from_headers(easy_auth("Admin@Contoso.com", "abc")) == Principal("Admin@Contoso.com", "abc")


def test_header_names_are_case_insensitive():
    headers = {k.lower(): v for k, v in easy_auth("admin@contoso.com").items()}
    assert principal_from_headers(headers).name == "admin@contoso.com"


@pytest.mark.parametrize("headers", [
    {"X-MS-CLIENT-PRINCIPAL-NAME": "admin@contoso.com"},  # a name alone is forged
    {"X-MS-CLIENT-PRINCIPAL": "not base64!!"},
    {"X-MS-CLIENT-PRINCIPAL": base64.b64encode(b"not json").decode()},
    {"X-MS-CLIENT-PRINCIPAL": encode({"claims": "nope"})},
    {"X-MS-CLIENT-PRINCIPAL": encode({"claims": [], "name_typ": "preferred_username"})},
    {**easy_auth("admin@contoso.com"), "X-MS-CLIENT-PRINCIPAL-NAME": "mallory@contoso.com"},
])
def test_forged_or_broken_principals_are_refused(headers):
    with pytest.raises(MalformedPrincipal):
        principal_from_headers(headers)


def test_principal_matches_confirmers_by_name_or_object_id():
    principal = Principal("Approver@Contoso.com", "ABC")
    assert principal.is_one_of({"approver@contoso.com"})
    assert principal.is_one_of({"abc"})
    assert not principal.is_one_of({"someone@contoso.com"})


def raw_principal(raw: bytes, name: str = "admin@contoso.com", **extra: str) -> dict[str, str]:
    return {"X-MS-CLIENT-PRINCIPAL": base64.b64encode(raw).decode(), "X-MS-CLIENT-PRINCIPAL-NAME": name, **extra}


AAD = {"auth_typ": "aad", "claims": [{"typ": "preferred_username", "val": "admin@contoso.com"}],
       "name_typ": "preferred_username"}


@pytest.mark.parametrize("headers", [
    raw_principal(json.dumps({**AAD, "name_typ": ["preferred_username"]}).encode()),
    raw_principal(json.dumps({**AAD, "auth_typ": "google"}).encode()),
    raw_principal(json.dumps({k: v for k, v in AAD.items() if k != "auth_typ"}).encode()),
    raw_principal(b"\xef\xbb\xbf" + json.dumps(AAD).encode()),
    raw_principal(json.dumps(AAD).encode("utf-16")),
    raw_principal(json.dumps({**AAD, "x": [[[[]]]]}).encode()[:-1] + b', "deep": ' + b"[" * 5000 + b"]" * 5000 + b"}"),
    raw_principal(json.dumps(AAD).replace('"aad"', '"google", "auth_typ": "aad"').encode()),
    raw_principal(json.dumps(AAD).encode(), **{"X-MS-CLIENT-PRINCIPAL-ID": "someone-else"}),
    raw_principal(json.dumps(AAD).encode(), **{"X-MS-CLIENT-PRINCIPAL-IDP": "github"}),
    {"X-MS-CLIENT-PRINCIPAL": encode(AAD)},  # Easy Auth always sets the name header beside it
    raw_principal(json.dumps({**AAD, "claims": AAD["claims"] + [{"typ": "preferred_username", "val": "m@x.com"}]})
                  .encode()),
    raw_principal(json.dumps({**AAD, "claims": [{"typ": "preferred_username", "val": "admin@contoso.com\u202e"}]})
                  .encode(), name="admin@contoso.com\u202e"),
])
def test_unexpected_principals_are_refused_never_raised_otherwise(headers):
    with pytest.raises(MalformedPrincipal):
        principal_from_headers(headers)


def test_the_allowed_identity_providers_are_a_setting():
    headers = raw_principal(json.dumps({**AAD, "auth_typ": "google"}).encode())
    assert principal_from_headers(headers, frozenset({"aad", "google"})).name == "admin@contoso.com"


def test_matching_side_headers_are_accepted():
    claims = AAD["claims"] + [{"typ": "http://schemas.microsoft.com/identity/claims/objectidentifier", "val": "oid-1"}]
    headers = raw_principal(json.dumps({**AAD, "claims": claims}).encode(),
                            **{"X-MS-CLIENT-PRINCIPAL-ID": "oid-1", "X-MS-CLIENT-PRINCIPAL-IDP": "aad"})
    assert principal_from_headers(headers) == Principal("admin@contoso.com", "oid-1")
