"""JWTs the sandbox's token endpoint issues and its services verify (HS256 with a sandbox-local key).

msal and azure-identity never check a signature; the sandbox checks its own, so a token that did not
come from this sandbox (or was edited) is refused like a forged one would be. Expiry uses wall time,
as the client libraries do.
"""
from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from pathlib import Path
from typing import Any

import jwt

ALGORITHM = "HS256"
REFRESH_TOKEN_LIFETIME_SECONDS = 90 * 24 * 3600
_LEEWAY_SECONDS = 5


class InvalidToken(ValueError):
    """The reason a bearer or refresh token is refused (never contains the token)."""


def load_or_create_key(state_dir: Path | None) -> bytes:
    if state_dir is None:
        return secrets.token_bytes(32)
    path = state_dir / "token-signing.key"
    if path.exists():
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    key = secrets.token_bytes(32)
    path.write_text(key.hex(), encoding="ascii")
    path.chmod(0o600)
    return key


def client_info(object_id: str, tenant_id: str) -> str:
    """What msal needs to build a home account id: base64url of {"uid", "utid"} without padding."""
    raw = json.dumps({"uid": object_id, "utid": tenant_id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class TokenIssuer:
    def __init__(self, key: bytes, authority: str) -> None:
        self._key = key
        self._authority = authority.rstrip("/")

    def issuer(self, tenant_id: str) -> str:
        return f"{self._authority}/{tenant_id}/v2.0"

    def _sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": "sandbox"})

    def _times(self, lifetime: int) -> dict[str, int]:
        now = int(time.time())
        return {"iat": now, "nbf": now, "exp": now + lifetime}

    def app_token(self, *, audience: str, tenant_id: str, client_id: str, object_id: str,
                  roles: tuple[str, ...], lifetime: int) -> str:
        return self._sign({
            "aud": audience, "iss": self.issuer(tenant_id), **self._times(lifetime),
            "appid": client_id, "azp": client_id, "idtyp": "app", "oid": object_id, "sub": object_id,
            "roles": list(roles), "tid": tenant_id, "uti": secrets.token_urlsafe(16), "ver": "2.0",
        })

    def user_token(self, *, audience: str, tenant_id: str, client_id: str, object_id: str, upn: str,
                   name: str, scope: str, lifetime: int) -> str:
        return self._sign({
            "aud": audience, "iss": self.issuer(tenant_id), **self._times(lifetime),
            "appid": client_id, "azp": client_id, "idtyp": "user", "name": name, "oid": object_id,
            "scp": scope, "sub": object_id, "tid": tenant_id, "unique_name": upn, "upn": upn,
            "uti": secrets.token_urlsafe(16), "ver": "2.0",
        })

    def id_token(self, *, tenant_id: str, client_id: str, object_id: str, upn: str, name: str, lifetime: int) -> str:
        return self._sign({
            "aud": client_id, "iss": self.issuer(tenant_id), **self._times(lifetime),
            "name": name, "oid": object_id, "preferred_username": upn, "sub": object_id,
            "tid": tenant_id, "ver": "2.0",
        })

    def refresh_token(self, *, tenant_id: str, client_id: str, object_id: str) -> str:
        # Self-contained, so it survives a sandbox restart with the same state_dir (same key).
        return self._sign({
            "rt": True, "client_id": client_id, "oid": object_id, "tid": tenant_id,
            "jti": str(uuid.uuid4()), **self._times(REFRESH_TOKEN_LIFETIME_SECONDS),
        })

    def verify_access(self, token: str) -> dict[str, Any]:
        claims = self._decode(token)
        if claims.get("rt") or "aud" not in claims:
            raise InvalidToken("not an access token")
        return claims

    def verify_refresh(self, token: str) -> dict[str, Any]:
        claims = self._decode(token)
        if not claims.get("rt"):
            raise InvalidToken("not a refresh token")
        return claims

    def _decode(self, token: str) -> dict[str, Any]:
        try:
            return jwt.decode(token, self._key, algorithms=[ALGORITHM], leeway=_LEEWAY_SECONDS,
                              options={"verify_aud": False, "require": ["exp", "iat", "tid"]})
        except jwt.ExpiredSignatureError as error:
            raise InvalidToken("the token has expired") from error
        except jwt.InvalidTokenError as error:
            raise InvalidToken("the token is malformed or its signature is invalid") from error
