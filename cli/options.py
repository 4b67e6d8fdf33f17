"""The command-line options the commands share, and the link request they make.

The choices of `--setup-mode` and `--phase` come from the setup-mode registry and the phase list, so
a new mode or phase is offered without an edit here.
"""
from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, Optional

import typer

from domain.phases import ALL_PHASES
from domain.setup_modes import mode_names, modes_help

SetupMode = Enum("SetupMode", {name: name for name in mode_names()}, type=str)  # choices for --setup-mode
Phase = Enum("Phase", {phase: phase for phase in ALL_PHASES}, type=str)  # choices for --phase


JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
VerboseFlag = Annotated[bool, typer.Option("--verbose", "-v", help="Show each check's evidence too.")]
InstanceId = Annotated[str, typer.Argument(help="The run's instance id, e.g. link-<LCS environment id>.")]
ProjectOpt = Annotated[Optional[int], typer.Option("--lcs-project-id", "-p",
                                                   help="LCS project id (setup modes operator and lcs-api).")]
EnvironmentOpt = Annotated[Optional[str], typer.Option(
    "--lcs-environment-id", "-e", help="LCS environment id (GUID) of the F&O environment (operator and lcs-api).")]
TargetOpt = Annotated[str, typer.Option("--power-platform-environment-id", "-t", help=(
    "The existing Power Platform environment (GUID) to link; in setup mode unified, to install F&O into."))]
DevToolsOpt = Annotated[Optional[bool], typer.Option(
    "--developer-tools/--no-developer-tools", help="Setup mode unified: install the developer tools.")]
DemoDataOpt = Annotated[Optional[bool], typer.Option(
    "--demo-data/--no-demo-data", help="Setup mode unified: load demo data.")]
AppVersionOpt = Annotated[Optional[str], typer.Option(
    "--app-version", help='Setup mode unified: "latest" (default), a release such as 10.0.44 or a build.')]
OperatorOpt = Annotated[str, typer.Option("--operator", "-o",
                                          help="UPN of the account that performs the setup.")]
SetupModeOpt = Annotated[Optional[SetupMode], typer.Option(
    help=f"{modes_help()}. Default: the app's LINK_DEFAULT_SETUP_MODE.")]
TimeoutDurationOpt = Annotated[Optional[str], typer.Option(
    "--confirmation-timeout", help="ISO 8601 duration to wait for the confirmation, e.g. P3D.")]
CorrelationOpt = Annotated[Optional[str], typer.Option(help="Free text echoed in the run's events.")]
NoWaitOpt = Annotated[bool, typer.Option("--no-wait", help="Return as soon as the API accepted the request.")]


def link_request(project: int | None, environment: str | None, target: str, operator: str,
                  setup_mode: SetupMode | None, confirmation_timeout: str | None,
                  correlation_id: str | None, app_options: dict[str, Any] | None = None) -> dict[str, Any]:
    """The request as given: a field the mode does not take is sent anyway, so the API names it (400)."""
    app = {key: value for key, value in (app_options or {}).items() if value is not None}
    optional = {"lcsProjectId": project, "lcsEnvironmentId": environment,
                "setupMode": setup_mode.value if setup_mode else None,
                "confirmationTimeout": confirmation_timeout, "correlationId": correlation_id,
                "provisioningApp": app or None}
    request: dict[str, Any] = {"powerPlatformEnvironmentId": target, "operator": operator}
    return request | {key: value for key, value in optional.items() if value is not None}


def app_options(developer_tools: bool | None, demo_data: bool | None, version: str | None) -> dict[str, Any]:
    return {"developerTools": developer_tools, "demoData": demo_data, "version": version}
