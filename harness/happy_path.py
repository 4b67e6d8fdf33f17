"""The happy-path scenario as a caller names it: its people, project and environments, a link
request for them, and the Easy Auth headers App Service would add for a signed-in user."""

from __future__ import annotations

import base64
import json
from typing import Any

OPERATOR = "admin@contoso.onmicrosoft.com"
OPERATOR_NAME = "Adele Vance"
APPROVER = "approver@contoso.onmicrosoft.com"
PROJECT = 1234567
LCS_ENV = "a98e06c0-b563-411f-9431-23b5ed5c93ed"
TARGET = "fc384085-a8b1-4b50-926a-e95c355a7195"
PLACEHOLDER = "750624cc-6ea7-4181-889c-03048fc5b47b"
INSTANCE = f"link-{LCS_ENV}"
QUEUE_API_VERSION = "2025-11-05"  # Azurite 3.35 does not know the client's newest version


def link_request(**changes: Any) -> dict[str, Any]:
    return {"lcsProjectId": PROJECT, "lcsEnvironmentId": LCS_ENV, "powerPlatformEnvironmentId": TARGET,
            "operator": OPERATOR, **changes}


def easy_auth(name: str) -> dict[str, str]:
    principal = {"auth_typ": "aad", "claims": [{"typ": "preferred_username", "val": name}],
                 "name_typ": "preferred_username", "role_typ": "roles"}
    return {"X-MS-CLIENT-PRINCIPAL": base64.b64encode(json.dumps(principal).encode()).decode(),
            "X-MS-CLIENT-PRINCIPAL-NAME": name}
