"""The Finance and Operations Provisioning App's options (setupMode `unified`): `provisioningApp` of a
link request. Microsoft documents them as the app's parameters DevToolsEnabled and DemoDataEnabled,
and an application version that is a release (`10.0.44`, meaning its latest build), a build
(`10.0.44.5`) or `latest` (docs/unified-mode.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

LATEST = "latest"
_VERSION = re.compile(r"\d{1,4}\.\d{1,4}\.\d{1,4}(\.\d{1,6})?", re.ASCII)
_KEYS = ("developerTools", "demoData", "version")


@dataclass(frozen=True)
class ProvisioningAppOptions:
    developerTools: bool = False
    demoData: bool = False
    version: str = LATEST

    @property
    def latest(self) -> bool:
        return self.version == LATEST

    def to_dict(self) -> dict[str, Any]:
        return {"developerTools": self.developerTools, "demoData": self.demoData, "version": self.version}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "ProvisioningAppOptions":
        return cls(**{k: data[k] for k in _KEYS if k in (data or {})})

    def describe(self) -> str:
        """One line for the review page and the CLI."""
        def on(flag: bool) -> str:
            return "on" if flag else "off"
        return (f"version {self.version}, developer tools {on(self.developerTools)}, "
                f"demo data {on(self.demoData)}")


def options_errors(value: Any) -> list[tuple[str, str]]:
    """(field, problem) for each bad part of `provisioningApp`, field names dotted."""
    if not isinstance(value, dict):
        return [("provisioningApp", "must be a JSON object with developerTools, demoData and version")]
    errors = [(f"provisioningApp.{k[:64]}", "is not a known field") for k in value if k not in _KEYS][:10]
    for key in ("developerTools", "demoData"):
        if key in value and not isinstance(value[key], bool):
            errors.append((f"provisioningApp.{key}", "must be true or false"))
    version = value.get("version", LATEST)
    if not isinstance(version, str) or not (version == LATEST or _VERSION.fullmatch(version)):
        errors.append(("provisioningApp.version", 'must be "latest", a release such as 10.0.44 or a build such '
                                                  "as 10.0.44.5"))
    return errors


def version_matches(requested: str, offered: str) -> bool:
    """A release names its builds (10.0.44 -> 10.0.44.x); a build names itself."""
    return offered == requested or offered.startswith(requested + ".")


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def chosen_version(requested: str, offered: tuple[str, ...]) -> str | None:
    """The build an install of `requested` gets among those offered (the highest that matches)."""
    matching = [v for v in offered if requested == LATEST or version_matches(requested, v)]
    return max(matching, key=version_key, default=None)
