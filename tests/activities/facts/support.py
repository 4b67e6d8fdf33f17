"""What the fact activity tests share: a link request and the activity's answer as a FactResult."""

from __future__ import annotations

from typing import Any, Callable

from domain import facts as F
from tests.activities.fakes import LCS_ENV, TARGET

REQUEST = {"lcsProjectId": 1234567, "lcsEnvironmentId": LCS_ENV, "powerPlatformEnvironmentId": TARGET,
           "operator": "admin@contoso.onmicrosoft.com", "setupMode": "operator", "confirmationTimeout": "P3D"}
DATAVERSE_URL = "https://contoso.crm.dynamics.com"


def run(activity: Callable[[dict], dict], **extra: Any) -> F.FactResult:
    """Calls the activity as the host does (JSON in, JSON out) and reads its answer back."""
    return F.FactResult.from_json(activity({"request": REQUEST, **extra}))
