"""The application packages the Power Platform API offers the target environment (setupMode unified):
the Finance and Operations Provisioning App and Platform Tools, with their install states."""

from __future__ import annotations

from dataclasses import dataclass

from domain.facts.base import FactSpec

NOT_INSTALLED, INSTALLING, INSTALLED, INSTALL_FAILED = "None", "Installing", "Installed", "InstallFailed"


@dataclass(frozen=True)
class PackageRef:
    unique_name: str
    application_name: str | None
    state: str | None  # None | Installing | Installed | InstallFailed
    version: str | None = None


@dataclass(frozen=True)
class ApplicationPackagesFacts:
    provisioning_app: PackageRef | None  # None: not offered to the environment
    platform_tools: PackageRef | None
    offered: int = 0  # how many packages the environment is offered in all


FACT = FactSpec(name="applicationPackages", value_type=ApplicationPackagesFacts,
                activity="gather_application_packages", order=45, modes=("unified",))
