"""version-exists: the finance and operations version the request names (a release, a build, or
latest) is offered to the environment (setupMode unified). The list comes with Platform Tools: before
it is installed the check warns, and it is asked again before the provisioning app's install."""

from __future__ import annotations

from domain import facts as F
from domain.checks.engine import FAILED, PASSED, WARNING, Check, CheckResult, verdict
from domain.provisioning_app import chosen_version
from domain.request import LinkRequest


def rule(request: LinkRequest, versions: F.FinopsVersionsFacts,
         packages: F.ApplicationPackagesFacts | None) -> CheckResult:
    requested = request.provisioning_app.version
    evidence = {"requestedVersion": requested, "offeredVersions": list(versions.versions or ())}
    tools = packages and packages.platform_tools
    if versions.versions is None and not (tools and tools.state == "Installed"):
        return verdict(WARNING, f"The versions offered are listed once Platform Tools is installed; version "
                                f"{requested} is checked again before the provisioning app's install.", **evidence)
    build = chosen_version(requested, versions.versions or ())
    if build:
        return verdict(PASSED, f"Version {requested} is offered: the install gets {build}.", chosenVersion=build,
                       **evidence)
    offered = ", ".join(versions.versions or ()) or "none"
    return verdict(FAILED, f"Version {requested} is not offered to this environment (offered: {offered}).",
                   'Ask for one of the versions offered, or "latest". Each version includes its latest quality '
                   "update; earlier builds can't be installed.", **evidence)


CHECK = Check(
    id="version-exists",
    title="The requested finance and operations version is offered",
    needs=(F.FINOPS_VERSIONS,),
    optional=(F.APPLICATION_PACKAGES,),
    rule=rule,
    order=58,
    modes=frozenset({"unified"}),
)
