"""The environments of a link by name, as an administrator knows them, with their admin pages.

Built from the facts a validation round already fetched (the target environment from the Power
Platform admin API, the LCS environment from Lifecycle Services, the placeholder from the LCS
links), and kept in the status document as `environments`. A round that did not fetch a fact
(a revalidation asks for a few only) keeps what an earlier round found.
"""
from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import quote

from domain import facts as F
from domain.request import LinkRequest

POWER_PLATFORM_ADMIN_CENTER = "https://admin.powerplatform.microsoft.com/environments/{id}/hub"
LCS_ENVIRONMENT_PAGE = "https://lcs.dynamics.com/V2/EnvironmentDetailsV3New/{project}?EnvironmentId={id}"


def admin_center_url(environment_id: str) -> str:
    return POWER_PLATFORM_ADMIN_CENTER.format(id=quote(str(environment_id), safe=""))


def lcs_environment_url(project_id: int | str, environment_id: str) -> str:
    return LCS_ENVIRONMENT_PAGE.format(project=quote(str(project_id), safe=""),
                                       id=quote(str(environment_id), safe=""))


def power_platform_environment(environment_id: str, display_name: str | None,
                               dataverse_url: str | None = None) -> dict[str, Any]:
    return {"id": environment_id, "displayName": display_name, "dataverseUrl": dataverse_url,
            "adminUrl": admin_center_url(environment_id)}


def describe_environments(request: LinkRequest, facts: F.Facts,
                          previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`{target, financeAndOperations, initial}`: each with its id, its name when a fact gave
    one, and the address of its admin page."""
    known = dict(previous or {})
    target: F.TargetEnvironmentFacts | None = facts.value(F.TARGET)
    if target is not None:
        known["target"] = power_platform_environment(target.id, target.display_name, target.instance_url)
    lcs: F.LcsEnvironmentFacts | None = facts.value(F.LCS_ENVIRONMENT)
    if lcs is not None:
        known["financeAndOperations"] = {
            "id": request.lcsEnvironmentId, "name": lcs.name, "projectId": request.lcsProjectId,
            "lcsUrl": lcs_environment_url(request.lcsProjectId, request.lcsEnvironmentId)}
    links: F.LcsLinksFacts | None = facts.value(F.LCS_LINKS)
    if links is not None:
        placeholder = next((e for e in links.environments if not e.has_dataverse), None)
        known["initial"] = placeholder and power_platform_environment(placeholder.id, placeholder.display_name)
    target, fno = unnamed(request.lcsProjectId, request.lcsEnvironmentId, request.powerPlatformEnvironmentId)
    known.setdefault("target", target)
    known.setdefault("financeAndOperations", fno)
    known.setdefault("initial", None)
    return known


def unnamed(project_id: Any, lcs_environment_id: Any, target_id: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(target, finance and operations) known by id only, with their admin pages."""
    target = power_platform_environment(target_id, None) if target_id else {"id": None}
    fno = {"id": lcs_environment_id, "name": None, "projectId": project_id,
           "lcsUrl": lcs_environment_url(project_id, lcs_environment_id) if lcs_environment_id else None}
    return target, fno


def named_environments(environments: Mapping[str, Any] | None,
                       request: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(target, finance and operations) by name as the run recorded them (the status document's
    `environments`); before validation named them, their ids and admin pages from the request."""
    recorded = _mapping(environments)
    request = _mapping(request)
    target, fno = unnamed(request.get("lcsProjectId"), request.get("lcsEnvironmentId"),
                          request.get("powerPlatformEnvironmentId"))
    return (dict(_mapping(recorded.get("target"))) or target,
            dict(_mapping(recorded.get("financeAndOperations"))) or fno)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
