"""Hostile and careless input, as tables shared by the reliability tests (the README's "Hostile input" table)."""

from __future__ import annotations

import base64
import http.client
import json
from typing import Any

from tests.e2e.support import OPERATOR, OPERATOR_NAME

DEEP = 5000  # levels: a few thousand raise RecursionError in Python's json; still under 64 KiB


def nested(levels: int = DEEP) -> str:
    return "[" * levels + "]" * levels


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def principal(name: str = OPERATOR, **changes: Any) -> dict[str, Any]:
    return {"auth_typ": "aad", "claims": [{"typ": "preferred_username", "val": name}],
            "name_typ": "preferred_username", "role_typ": "roles", **changes}


def principal_headers(document: Any = None, raw: bytes | None = None, **extra: str) -> dict[str, str]:
    encoded = b64(raw if raw is not None else json.dumps(document or principal()).encode())
    return {"X-MS-CLIENT-PRINCIPAL": encoded, "X-MS-CLIENT-PRINCIPAL-NAME": OPERATOR, **extra}


def link_bodies(request: dict[str, Any]) -> dict[str, tuple[bytes, str]]:
    """name -> (a link request's bytes, the field its refusal must name)."""
    text = json.dumps(request)

    def changed(**fields: Any) -> bytes:
        return json.dumps({**request, **fields}).encode()

    return {
        "nested a few thousand levels deep": (text.replace('"operator"', f'"deep": {nested()}, "operator"').encode(),
                                              "(body)"),
        "operator twice": (text.replace('"operator"', '"operator": "mallory@contoso.onmicrosoft.com", "operator"')
                           .encode(), "operator"),
        "a byte order mark": (b"\xef\xbb\xbf" + text.encode(), "(body)"),
        "UTF-16": (text.encode("utf-16"), "(body)"),
        "LCS environment with a trailing newline": (changed(lcsEnvironmentId=request["lcsEnvironmentId"] + "\n"),
                                                    "lcsEnvironmentId"),
        "target with a trailing newline": (changed(powerPlatformEnvironmentId=request["powerPlatformEnvironmentId"]
                                                   + "\n"), "powerPlatformEnvironmentId"),
        "operator with a trailing newline": (changed(operator=OPERATOR + "\n"), "operator"),
        "operator with a NUL": (changed(operator=OPERATOR + "\u0000"), "operator"),
        "timeout with a trailing newline": (changed(confirmationTimeout="P3D\n"), "confirmationTimeout"),
        "correlation id with a newline": (changed(correlationId="a\nb"), "correlationId"),
        "correlation id with a right-to-left override": (changed(correlationId="abc\u202e"), "correlationId"),
        "correlation id with a lone surrogate": (text.replace('"operator"', '"correlationId": "\\ud800", "operator"')
                                                 .encode(), "correlationId"),
    }


def post_review_form(stack, instance_id: str, headers: dict[str, str]) -> tuple[int, str]:
    """The review page's confirmation form, without following its redirect: (status, Location)."""
    connection = http.client.HTTPConnection("127.0.0.1", stack.host.port, timeout=30)
    try:
        connection.request("POST", f"/api/links/{instance_id}/review",
                           body=f"typedName={OPERATOR_NAME.replace(' ', '+')}&acknowledge=yes",
                           headers={"Sec-Fetch-Site": "same-origin", **headers,
                                    "Content-Type": "application/x-www-form-urlencoded"})
        answer = connection.getresponse()
        return answer.status, answer.getheader("Location") or ""
    finally:
        connection.close()
