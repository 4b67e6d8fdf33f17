"""The two packages of setupMode unified among those an environment is offered: the provisioning app
(by its documented unique name) and Platform Tools (by name: Microsoft publishes no unique name)."""

from __future__ import annotations

from services.application_packages import (
    PLATFORM_TOOLS_NAME, PROVISIONING_APP, ApplicationPackage, pick_package,
)


def find_packages(listed: list[ApplicationPackage]) -> tuple[ApplicationPackage | None, ApplicationPackage | None]:
    """(provisioning app, Platform Tools), each None when the environment is not offered it."""
    return pick_package(listed, PROVISIONING_APP), pick_package(listed, name=PLATFORM_TOOLS_NAME)
