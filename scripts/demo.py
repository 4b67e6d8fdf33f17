"""The main job on one machine: link an LCS environment to Dataverse against the local sandbox.

Starts the sandbox and devhost (which starts Azurite), signs the operator in to LCS with the
device code flow, then hands the terminal to `python -m cli link`, which shows the checks, asks
for the typed name and follows provisioning to the verified outcome.

With virtual time (the default) devhost's clock is held until the run is past the confirmation,
so the 3-day confirmation deadline can't pass while you read; then a 75-minute provisioning takes
seconds. In operator mode this script also plays the operator choosing Setup in the LCS portal. In
setup mode unified nothing of LCS is involved (no sign-in): the run installs finance and operations
into the Dataverse environment, and the scenario is `unified-happy-path` unless --scenario says.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from typing import Any

import requests
import typer
from rich.console import Console

from cli.options import SetupMode
from domain.setup_modes import modes_help, setup_mode
from harness.demo import ROOT, DemoStack

STATE = ROOT / ".local" / "demo"
PAST_CONFIRMATION = {"StartingSetup", "Provisioning", "Verifying", "Linked", "Cancelled", "ConfirmationExpired",
                     "ValidationFailed", "ProvisioningFailed", "ProvisioningTimedOut", "Failed"}
console = Console(stderr=True)


def link_request_of(scenario: dict[str, Any]) -> dict[str, Any]:
    """The request the scenario was written for: its operator, first project and environment, and
    the Power Platform environment that has a Dataverse database."""
    operator = scenario["signIn"]["upn"]
    project_id, project = next(iter(scenario["lcs"]["projects"].items()))
    environment_id = next(iter(project["environments"]))
    target = next(env_id for env_id, env in scenario["powerPlatform"]["environments"].items() if env.get("dataverse"))
    return {"project": int(project_id), "environment": environment_id, "target": target, "operator": operator,
            "operatorName": scenario["users"][operator]["displayName"]}


def scenario_for(mode: str, scenario: str | None) -> str:
    """The scenario asked for, else the mode's own happy path when the sandbox has one (`<mode>-happy-path`)."""
    if scenario:
        return scenario
    own = f"{mode}-happy-path"
    return own if (ROOT / "sandbox" / "scenarios" / f"{own}.json").exists() else "happy-path"


def cli_link_args(request: dict[str, Any], mode: str) -> list[str]:
    lcs = ["-p", str(request["project"]), "-e", request["environment"]] if setup_mode(mode).lcs_managed else []
    return [*lcs, "-t", request["target"], "-o", request["operator"], "--setup-mode", mode]


def supervise(stack: DemoStack, instance_id: str, request: dict[str, Any], mode: str, stop: threading.Event) -> None:
    """Release the held clock once the run is past the confirmation; where a person starts setup, click
    Setup in LCS."""
    person_starts_setup = not setup_mode(mode).starts_setup
    while not stop.wait(0.2):
        try:
            status = requests.get(f"{stack.url}/api/links/{instance_id}", timeout=10)
        except requests.RequestException:
            continue
        phase = status.json().get("phase") if status.status_code == 200 else None
        if phase == "StartingSetup" and person_starts_setup:
            console.print("[dim]demo: playing the operator in the LCS portal: Setup, 'Use a different Power Platform "
                          "environment', typed name, Confirm[/dim]")
            requests.post(f"{stack.sandbox_url}/_sandbox/lcs/portal-setup", verify=stack.ca, timeout=10, json={
                "projectId": request["project"], "environmentId": request["environment"],
                "powerPlatformEnvironmentId": request["target"], "confirmedBy": request["operatorName"]})
        if phase in PAST_CONFIRMATION:
            if stack.virtual_time:
                requests.post(f"{stack.url}/admin/devhost/clock/release", timeout=10)
            return


def main(
    scenario: str = typer.Option(None, help="Sandbox scenario (see sandbox/README.md); default: the setup "
                                            "mode's <mode>-happy-path if there is one, else happy-path."),
    mode: SetupMode = typer.Option("operator", "--setup-mode",
                                   help=f"{modes_help()} (the demo plays the click in the sandbox's LCS portal)."),
    confirm_name: str = typer.Option(None, help="Type this name without asking (unattended runs)."),
    real_time: bool = typer.Option(False, "--real-time", help="Follow provisioning in wall-clock time (75 minutes)."),
    port: int = typer.Option(7071, help="Port of the local Functions host."),
) -> None:
    shutil.rmtree(STATE, ignore_errors=True)
    STATE.mkdir(parents=True)
    stack = DemoStack(STATE, scenario_for(mode.value, scenario), port, virtual_time=not real_time)
    console.rule("Starting the sandbox, Azurite and devhost")
    try:
        env = stack.start()
        request = link_request_of(stack.scenario_document())
        console.print(f"Functions host {stack.url}, sandbox {stack.sandbox_url}; logs in {STATE}")
        chosen = setup_mode(mode.value)
        if chosen.lcs_managed:
            console.rule(f"Signing {request['operator']} in to Lifecycle Services (device code)")
            login = subprocess.run([sys.executable, "-m", "cli", "login", "--account", request["operator"]],
                                   cwd=ROOT, env=env)
            if login.returncode:
                raise typer.Exit(login.returncode)
        console.rule("Linking" if chosen.lcs_managed else "Installing finance and operations")
        instance_id = f"link-{(request['environment'] if chosen.lcs_managed else request['target']).lower()}"
        stop = threading.Event()
        threading.Thread(target=supervise, args=(stack, instance_id, request, mode.value, stop), daemon=True).start()
        command = [sys.executable, "-m", "cli", "--principal", request["operator"], "--poll-interval", "0.3", "link",
                   *cli_link_args(request, mode.value)]
        if confirm_name:
            command += ["--confirm-name", confirm_name]
        else:
            console.print(f"[bold]When asked, type the operator's name: {request['operatorName']}[/bold]")
        result = subprocess.run(command, cwd=ROOT, env=env)
        stop.set()
        raise typer.Exit(result.returncode)
    finally:
        stack.stop()


if __name__ == "__main__":
    typer.run(main)
