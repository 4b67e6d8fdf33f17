"""The application packages fact: what the Power Platform API offers the target environment, for the
provisioning app and Platform Tools (setupMode unified)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from activities.clients import clients
from activities.facts._gather import fact_activity, gather_fact, request_of

if TYPE_CHECKING:
    from domain.facts.application_packages import ApplicationPackagesFacts


@fact_activity
def gather_application_packages(payload: dict) -> dict:
    from domain.facts.application_packages import FACT

    return gather_fact(FACT, payload, fetch_application_packages)


def fetch_application_packages(payload: dict[str, Any]) -> "ApplicationPackagesFacts":
    from activities.setup_modes.packages import find_packages
    from domain.facts.application_packages import ApplicationPackagesFacts, PackageRef

    listed = clients().application_packages.list_environment_packages(request_of(payload).powerPlatformEnvironmentId)
    app, tools = find_packages(listed)

    def ref(package) -> PackageRef | None:
        return package and PackageRef(package.unique_name, package.application_name, package.state, package.version)

    return ApplicationPackagesFacts(provisioning_app=ref(app), platform_tools=ref(tools), offered=len(listed))
