"""Who is calling, as App Service Authentication (Easy Auth) tells it.

In Azure, Easy Auth strips any client-sent X-MS-CLIENT-PRINCIPAL* headers and sets its own, so the
app can trust them when authentication is required for the app. The two headers must agree; a
name header alone, or a principal that does not decode, is treated as forged.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Mapping

PRINCIPAL_HEADER = "x-ms-client-principal"
PRINCIPAL_NAME_HEADER = "x-ms-client-principal-name"
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


def principal_from_headers(headers: Mapping[str, str]) -> Principal | None:
    """The authenticated principal, None when there is none, MalformedPrincipal when the headers lie."""
    encoded, name_header = _header(headers, PRINCIPAL_HEADER), _header(headers, PRINCIPAL_NAME_HEADER)
    if not encoded and not name_header:
        return None
    if not encoded:
        raise MalformedPrincipal("a principal name without the principal it belongs to")
    try:
        document = json.loads(base64.b64decode(encoded, validate=True))
        claims = {c["typ"]: c["val"] for c in document["claims"]}
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise MalformedPrincipal("the principal header is not a base64-encoded Easy Auth principal") from exc
    name_type = document.get("name_typ")
    name = claims.get(name_type) if name_type else None
    name = name or next((claims[c] for c in _NAME_CLAIMS if c in claims), None)
    if not name or not isinstance(name, str):
        raise MalformedPrincipal("the principal carries no name")
    if name_header is not None and name_header.lower() != name.lower():
        raise MalformedPrincipal("the principal name header does not match the principal")
    object_id = next((claims[c] for c in _OBJECT_ID_CLAIMS if c in claims), None)
    return Principal(name=name, object_id=object_id)
