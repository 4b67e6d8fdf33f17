"""`operator`: a person chooses Setup in Lifecycle Services, following the run's instructions.

It works against production today, where LCS has no API for the Setup action: the run detects the
start and the end of provisioning through public APIs (the target environment in the Power Platform
admin API), then verifies the link.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.setup_modes import SetupMode

if TYPE_CHECKING:
    from domain.request import LinkRequest


def instructions(request: "LinkRequest") -> list[str]:
    return [
        f"Sign in to Lifecycle Services (https://lcs.dynamics.com) as {request.operator}.",
        f"Open project {request.lcsProjectId} and the environment {request.lcsEnvironmentId} (Full details).",
        "On the Power Platform Integration FastTab, choose Setup.",
        "Select 'Use a different Power Platform environment' and enter the environment id "
        f"{request.powerPlatformEnvironmentId}.",
        "Type your name to confirm, and choose Confirm. This run detects the start and follows provisioning.",
    ]


MODE = SetupMode(
    name="operator",
    title="the status tells the operator what to click in LCS",
    starts_setup=False,
    required_fields=("lcsProjectId", "lcsEnvironmentId", "powerPlatformEnvironmentId", "operator"),
    instructions_title="What to do in Lifecycle Services",
    operator_step="The operator chooses Setup in Lifecycle Services (steps on the review page).",
    write_instructions=instructions,
)
