"""Sandbox scenarios with many links: happy-path plus N more LCS environments, each with its own
target Power Platform environment and Dataverse organisation (an organisation belongs to one
environment, and a linked one fails the next link's target-not-linked check).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from harness.happy_path import OPERATOR, PROJECT

SERVICES = ("entra", "lcs", "bap", "powerplatform", "graph", "dataverse")
STORM_RETRY_AFTER_SECONDS = {"graph": 0.5, "entra": 1}  # Graph's come with fractions; the others in whole seconds
_NAMESPACE = uuid.UUID("3b0c6d0e-6a55-4a4e-9a55-0b5e2c1f7a11")
SYSTEM_ADMINISTRATOR = {"roleId": "0356b9b2-b5b2-4b84-8675-7bf2cdb8955d",
                        "roleTemplateId": "627090ff-40a3-4053-8790-584edc5be201"}


def _guid(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(map(str, parts))))


@dataclass(frozen=True)
class LinkTarget:
    """One link the scenario can make: its project, LCS environment and target environment."""

    project: int
    lcs_environment: str
    target: str

    @property
    def instance_id(self) -> str:
        return f"link-{self.lcs_environment}"

    def request(self, **changes: Any) -> dict[str, Any]:
        return {"lcsProjectId": self.project, "lcsEnvironmentId": self.lcs_environment,
                "powerPlatformEnvironmentId": self.target, "operator": OPERATOR, **changes}


def link_targets(count: int, project_per_link: bool = False) -> list[LinkTarget]:
    return [LinkTarget(3_000_000 + i if project_per_link else PROJECT, _guid("lcs", i), _guid("target", i))
            for i in range(count)]


def many_links(count: int, *, project_per_link: bool = False, duration_minutes: float | None = None,
               faults: dict[str, Any] | None = None, outcome: str | None = None) -> dict[str, Any]:
    """happy-path extended with `count` linkable environments (see link_targets for their ids).

    `project_per_link` puts each LCS environment in a project of its own, so that LCS's
    6-metadata-calls-per-project-per-minute limit paces nothing but one project's own links."""
    lcs_projects: dict[str, Any] = {}
    environments: dict[str, Any] = {}
    orgs: dict[str, Any] = {}
    for i, link in enumerate(link_targets(count, project_per_link)):
        project = lcs_projects.setdefault(str(link.project), {
            "name": f"Project {link.project}", "members": {OPERATOR: "ProjectOwner"}, "environments": {}})
        project["environments"][link.lcs_environment] = {
            "name": f"BENCH-{i:03d}", "type": "Sandbox", "region": "East US", "deploymentState": "Finished",
            "deploymentStatus": "Deployed", "url": f"https://bench-{i:03d}.sandbox.operations.dynamics.com/"}
        org = f"bench-{i:03d}"
        environments[link.target] = {
            "displayName": f"Bench target {i:03d}", "location": "unitedstates", "azureRegion": "eastus",
            "sku": "Sandbox", "dataverse": {"org": org, "state": "Ready", "template": ["D365_FinOps_Finance"],
                                            "version": "9.2.25031.00185"}}
        orgs[org] = {
            "organizationId": _guid("org", i), "businessUnitId": _guid("bu", i),
            "roles": {"System Administrator": SYSTEM_ADMINISTRATOR},
            "teams": {},
            "users": {OPERATOR: {"systemUserId": _guid("systemuser", i), "roles": ["System Administrator"]}}}
    scenario: dict[str, Any] = {
        "extends": "happy-path",
        "description": f"happy-path with {count} more linkable LCS environments",
        "lcs": {"projects": lcs_projects},
        "powerPlatform": {"environments": environments},
        "dataverse": {"orgs": orgs},
    }
    provisioning: dict[str, Any] = {}
    if duration_minutes is not None:
        provisioning["durationMinutes"] = duration_minutes
    if outcome is not None:
        provisioning["outcome"] = outcome
    if provisioning:
        scenario["provisioning"] = provisioning
    if faults is not None:
        scenario["faults"] = faults
    return scenario


def storm(seed: int) -> dict[str, Any]:
    """Faults for every service, Entra included: 30 % of calls answer 429 with Retry-After, 10 % 503.
    Fates are drawn per request and attempt (the sandbox's `draws: perRequest`), so the same request
    meets the same 429s and 503s on every run, whatever the interleaving of parallel calls."""
    return {"seed": seed, "draws": "perRequest", **{service: {"throttleRate": 0.3,
                                       "retryAfterSeconds": STORM_RETRY_AFTER_SECONDS.get(service, 1),
                                       "errorRate": 0.1 / 0.7, "errorStatus": 503} for service in SERVICES}}
