"""What the operator is told to do in Lifecycle Services when the run does not start setup itself.

The status document these instructions are shown in is domain/status_document.py.
"""

from __future__ import annotations

from domain.request import LinkRequest


def operator_instructions(request: LinkRequest) -> list[str]:
    return [
        f"Sign in to Lifecycle Services (https://lcs.dynamics.com) as {request.operator}.",
        f"Open project {request.lcsProjectId} and the environment {request.lcsEnvironmentId} (Full details).",
        "On the Power Platform Integration FastTab, choose Setup.",
        "Select 'Use a different Power Platform environment' and enter the environment id "
        f"{request.powerPlatformEnvironmentId}.",
        "Type your name to confirm, and choose Confirm. This run detects the start and follows provisioning.",
    ]
