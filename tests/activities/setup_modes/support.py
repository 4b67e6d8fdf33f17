"""What the setup-mode activity tests share: a request and a way to call a Durable activity."""

from __future__ import annotations

from typing import Any

from tests.activities.fakes import LCS_ENV, TARGET

REQUEST = {"lcsProjectId": 1234567, "lcsEnvironmentId": LCS_ENV, "powerPlatformEnvironmentId": TARGET,
           "operator": "admin@contoso.onmicrosoft.com", "setupMode": "lcs-api", "confirmationTimeout": "P3D"}


def run(activity, payload: dict[str, Any]) -> Any:
    """Call a Durable activity's function as the worker does (JSON in, JSON out)."""
    return activity._function.get_user_function()(payload)
