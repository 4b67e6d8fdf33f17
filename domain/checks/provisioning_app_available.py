"""provisioning-app-available: the environment is offered the Finance and Operations Provisioning App
and Platform Tools (setupMode unified). Platform Tools not installed yet passes: the run installs it
first."""

from __future__ import annotations

from domain import facts as F
from domain.checks.engine import FAILED, PASSED, Check, CheckResult, verdict
from domain.request import LinkRequest

APP = "Dynamics 365 Finance and Operations Provisioning App"
TOOLS = "Dynamics 365 Finance and Operations Platform Tools"


def _state(package: F.PackageRef | None) -> str | None:
    return package.state if package else None


def rule(request: LinkRequest, packages: F.ApplicationPackagesFacts) -> CheckResult:
    app, tools = packages.provisioning_app, packages.platform_tools
    evidence = {"provisioningAppState": _state(app), "platformToolsState": _state(tools),
                "packagesOffered": packages.offered}
    missing = [name for name, package in ((APP, app), (TOOLS, tools)) if package is None]
    if missing:
        return verdict(FAILED, f"The environment is not offered the {' or the '.join(missing)}.",
                       "The apps are offered with a finance and operations license in the tenant (Dynamics 365 "
                       "Finance, Supply Chain Management or an Operations Application Partner Sandbox): check the "
                       "tenant's licenses, then the environment's Dynamics 365 apps in the Power Platform admin "
                       "center.", **evidence)
    tools_next = "" if tools.state == "Installed" else " Platform Tools is not installed: the run installs it first."
    return verdict(PASSED, f"The environment is offered both apps (provisioning app {app.state}, Platform Tools "
                           f"{tools.state}).{tools_next}", **evidence)


CHECK = Check(
    id="provisioning-app-available",
    title="The environment is offered the Provisioning App and Platform Tools",
    needs=(F.APPLICATION_PACKAGES,),
    rule=rule,
    order=57,
    modes=frozenset({"unified"}),
)
