"""Who is calling, as App Service Authentication (Easy Auth) tells it.

In Azure, Easy Auth strips any client-sent X-MS-CLIENT-PRINCIPAL* headers and sets its own, so the
app can trust them when authentication is required for the app. Still, the parser is strict: the
principal must be exactly what Easy Auth writes (base64 of a UTF-8 JSON object, claims a list of
`{typ, val}` texts, from an allowed identity provider), and the side headers Easy Auth sets with it
must agree with it. Anything else is MalformedPrincipal (a 403), never another exception.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Mapping

from domain.request import hidden_character_error
from domain.strict_json import JsonRefused, decode_json

PRINCIPAL_HEADER = "x-ms-client-principal"
PRINCIPAL_NAME_HEADER = "x-ms-client-principal-name"
PRINCIPAL_ID_HEADER = "x-ms-client-principal-id"
PRINCIPAL_IDP_HEADER = "x-ms-client-principal-idp"
DEFAULT_IDENTITY_PROVIDERS = frozenset({"aad"})
# A real principal is a few KiB; a user in 200 groups (where Entra stops listing them) about 25 KiB.
MAX_PRINCIPAL_CHARACTERS = 64 * 1024
_OBJECT_ID_CLAIMS = ("http://schemas.microsoft.com/identity/claims/objectidentifier", "oid")
_NAME_CLAIMS = ("preferred_username", "upn", "name",
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name")


class MalformedPrincipal(ValueError):
    pass


@dataclass(frozen=True)
class Principal:
    name: str
    object_id: str | None = None

    def is_one_of(self, identities: set[str] | frozenset[str]) -> bool:
        return self.name.lower() in identities or (self.object_id or "").lower() in identities


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def principal_from_headers(headers: Mapping[str, str],
                           allowed_providers: frozenset[str] = DEFAULT_IDENTITY_PROVIDERS) -> Principal | None:
    """The authenticated principal, None when there is none, MalformedPrincipal when the headers lie."""
    encoded, name_header = _header(headers, PRINCIPAL_HEADER), _header(headers, PRINCIPAL_NAME_HEADER)
    if not encoded and not name_header:
        return None
    if not encoded:
        raise MalformedPrincipal("a principal name without the principal it belongs to")
    if not name_header:
        raise MalformedPrincipal("a principal without the principal name header Easy Auth sets with it")
    document = _decode(encoded)
    provider = document.get("auth_typ")
    if not isinstance(provider, str) or provider.lower() not in allowed_providers:
        raise MalformedPrincipal("the principal comes from an identity provider this app does not accept")
    claims = _claims(document)
    name = _name(document, claims)
    object_id = _single(claims, _OBJECT_ID_CLAIMS)
    _agree(name_header.lower(), name.lower(), "the principal name header does not match the principal")
    _agree(_header(headers, PRINCIPAL_ID_HEADER), object_id, "the principal id header does not match the principal")
    _agree(_header(headers, PRINCIPAL_IDP_HEADER), provider,
           "the identity provider header does not match the principal")
    return Principal(name=name, object_id=object_id)


def _decode(encoded: str) -> dict[str, Any]:
    if len(encoded) > MAX_PRINCIPAL_CHARACTERS:
        raise MalformedPrincipal("the principal header is larger than any Easy Auth principal")
    try:
        document = decode_json(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError, JsonRefused):  # JsonRefused is a ValueError; named for the reader
        raise MalformedPrincipal("the principal header is not a base64-encoded Easy Auth principal") from None
    if not isinstance(document, dict):
        raise MalformedPrincipal("the principal is not a JSON object")
    return document


def _claims(document: dict[str, Any]) -> list[tuple[str, str]]:
    claims = document.get("claims")
    if not isinstance(claims, list) or not all(
            isinstance(c, dict) and isinstance(c.get("typ"), str) and isinstance(c.get("val"), str) for c in claims):
        raise MalformedPrincipal("the principal's claims are not a list of {typ, val} texts")
    return [(c["typ"], c["val"]) for c in claims]


def _single(claims: list[tuple[str, str]], types: tuple[str, ...]) -> str | None:
    """The value the claims give for one of `types`; two different values are a forgery."""
    values = {val for typ, val in claims if typ in types}
    if len(values) > 1:
        raise MalformedPrincipal("the principal's claims say two different things about who it is")
    return next(iter(values), None)


def _name(document: dict[str, Any], claims: list[tuple[str, str]]) -> str:
    name_type = document.get("name_typ")
    if name_type is not None and not isinstance(name_type, str):
        raise MalformedPrincipal("the principal's name_typ is not text")
    name = _single(claims, (name_type,)) if name_type else None
    name = name or next((value for typ in _NAME_CLAIMS if (value := _single(claims, (typ,)))), None)
    if not name or not name.strip() or hidden_character_error(name):
        raise MalformedPrincipal("the principal carries no usable name")
    return name


def _agree(header: str | None, value: str | None, problem: str) -> None:
    """A side header Easy Auth sets must say what the principal says (when it is there at all)."""
    if header is not None and header != value:
        raise MalformedPrincipal(problem)
