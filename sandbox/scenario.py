"""Scenario files: loading (by name, path or dict), `extends`, validation, and parsing into sandbox.model.

A scenario is JSON checked against scenario.schema.json, then for references between its parts
(a project member must be a user, an environment's org must exist, ...). Every error names the
JSON path of the bad field, e.g. `$.users['admin@contoso.onmicrosoft.com'].objectId: 'x' is not a 'uuid'`.
"""
from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from sandbox.packages import package_errors, parse_packages, parse_unified

from sandbox.model import (
    Application,
    Capacity,
    DataverseLink,
    DataverseOrg,
    DataverseRole,
    DataverseTeam,
    DataverseUser,
    LcsEnvironment,
    LcsProject,
    License,
    LinkedApp,
    PowerPlatformEnvironment,
    Provisioning,
    Scenario,
    SignIn,
    Tenant,
    User,
    normalize_guid,
)

SCENARIO_DIR = Path(__file__).parent / "scenarios"
SCHEMA_PATH = Path(__file__).parent / "scenario.schema.json"
DEFAULT_PROVISIONING_MINUTES = 75.0
DEFAULT_FAILURE_MESSAGE = "Power Platform integration setup failed. Contact Microsoft support with the activity id."
_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


class ScenarioError(ValueError):
    """A scenario that cannot be loaded; `errors` lists one message per bad field."""

    def __init__(self, name: str, errors: list[str]) -> None:
        self.name = name
        self.errors = errors
        super().__init__(f"scenario {name!r} is invalid:\n  " + "\n  ".join(errors))


def json_path(parts: list[Any] | tuple[Any, ...]) -> str:
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _IDENTIFIER.match(part):
            path += f".{part}"
        else:
            path += f"[{part!r}]"
    return path


# ---------------------------------------------------------------- loading


def shipped_names() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.json"))


def load_scenario(source: str | os.PathLike[str] | Mapping[str, Any]) -> Scenario:
    """Load a shipped scenario by name, a scenario file by path, or a scenario dict."""
    if isinstance(source, Mapping):
        name = "inline"
        document = _resolve(copy.deepcopy(dict(source)), Path.cwd(), name, ())
    else:
        path, name = _locate(str(source), Path.cwd())
        document = _resolve(_read(path, name), path.parent, name, (path.resolve(),))
    _validate(document, name)
    return _parse(document, name)


def _locate(reference: str, base_dir: Path) -> tuple[Path, str]:
    candidate = Path(reference)
    if not candidate.is_absolute():
        candidate = base_dir / candidate
    if candidate.is_file():
        return candidate, candidate.stem
    shipped = SCENARIO_DIR / f"{reference}.json"
    if "/" not in reference and shipped.is_file():
        return shipped, reference
    raise ScenarioError(reference, [f"no scenario file {reference!r}; shipped scenarios: {', '.join(shipped_names())}"])


def _read(path: Path, name: str) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ScenarioError(name, [f"{path}: not JSON: {error}"]) from error
    if not isinstance(document, dict):
        raise ScenarioError(name, ["$: a scenario is a JSON object"])
    return document


def _resolve(document: dict[str, Any], base_dir: Path, name: str, chain: tuple[Path, ...]) -> dict[str, Any]:
    """Apply `document` as a JSON Merge Patch onto the scenario it extends, recursively."""
    parent_ref = document.pop("extends", None)
    if parent_ref is None:
        return document
    if not isinstance(parent_ref, str):
        raise ScenarioError(name, ["$.extends: must be a scenario name or path"])
    path, parent_name = _locate(parent_ref, base_dir)
    if path.resolve() in chain:
        raise ScenarioError(name, [f"$.extends: {parent_ref!r} extends itself (cycle)"])
    parent = _resolve(_read(path, parent_name), path.parent, parent_name, chain + (path.resolve(),))
    return merge_patch(parent, document)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch: objects merge key by key, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


_SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
_VALIDATOR = Draft202012Validator(_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
_FAULTS_VALIDATOR = Draft202012Validator(
    {"$defs": _SCHEMA["$defs"], "$ref": "#/$defs/faults"}, format_checker=Draft202012Validator.FORMAT_CHECKER
)


def _schema_errors(validator: Draft202012Validator, document: Any, prefix: tuple[str, ...]) -> list[str]:
    errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{json_path(prefix + tuple(e.absolute_path))}: {e.message}" for e in errors]


def _validate(document: dict[str, Any], name: str) -> None:
    messages = _schema_errors(_VALIDATOR, document, ()) or _reference_errors(document)
    if messages:
        raise ScenarioError(name, messages)


def validate_faults(faults: Any) -> None:
    """Check a faults configuration (the scenario's `faults` part) on its own, e.g. one sent at run time."""
    messages = _schema_errors(_FAULTS_VALIDATOR, faults, ("faults",))
    if messages:
        raise ScenarioError("faults", messages)


def _reference_errors(doc: dict[str, Any]) -> list[str]:
    """What the schema cannot say: every name used in one part exists in another."""
    errors: list[str] = []
    users = {upn.lower() for upn in doc["users"]}
    environments = {normalize_guid(i) for i in doc["powerPlatform"]["environments"]}
    orgs = doc["dataverse"]["orgs"]

    def need(condition: bool, path: list[Any], message: str) -> None:
        if not condition:
            errors.append(f"{json_path(path)}: {message}")

    sign_in = doc.get("signIn")
    if sign_in:
        need(sign_in["upn"].lower() in users, ["signIn", "upn"], f"{sign_in['upn']!r} is not a key of $.users")
    for project_id, project in doc["lcs"]["projects"].items():
        base = ["lcs", "projects", project_id]
        for upn in project["members"]:
            need(upn.lower() in users, base + ["members", upn], f"{upn!r} is not a key of $.users")
        for env_id, env in project["environments"].items():
            initial = env.get("initialPowerPlatformEnvironmentId")
            need(
                initial is None or normalize_guid(initial) in environments,
                base + ["environments", env_id, "initialPowerPlatformEnvironmentId"],
                f"{initial!r} is not a key of $.powerPlatform.environments",
            )
    seen_orgs: dict[str, str] = {}
    for env_id, env in doc["powerPlatform"]["environments"].items():
        org = env.get("dataverse", {}).get("org")
        if org is None:
            continue
        path = ["powerPlatform", "environments", env_id, "dataverse", "org"]
        need(org in orgs, path, f"{org!r} is not a key of $.dataverse.orgs")
        need(org not in seen_orgs, path, f"{org!r} already belongs to environment {seen_orgs.get(org)}")
        seen_orgs[org] = env_id
    for env_id, env in doc["powerPlatform"]["environments"].items():
        errors.extend(f"{json_path(p)}: {m}" for p, m in package_errors(["powerPlatform", "environments", env_id], env))
    for org_name, org in orgs.items():
        base = ["dataverse", "orgs", org_name]
        roles = set(org["roles"])
        for upn, user in org["users"].items():
            need(upn.lower() in users, base + ["users", upn], f"{upn!r} is not a key of $.users")
            for index, role in enumerate(user.get("roles", [])):
                need(role in roles, base + ["users", upn, "roles", index], f"{role!r} is not a key of {json_path(base + ['roles'])}")
        for team_name, team in org.get("teams", {}).items():
            for index, role in enumerate(team.get("roles", [])):
                need(role in roles, base + ["teams", team_name, "roles", index], f"{role!r} is not a key of {json_path(base + ['roles'])}")
            for index, upn in enumerate(team.get("members", [])):
                need(upn.lower() in users, base + ["teams", team_name, "members", index], f"{upn!r} is not a key of $.users")
    provisioning = doc.get("provisioning", {})
    if "failAfterMinutes" in provisioning:
        duration = provisioning.get("durationMinutes", DEFAULT_PROVISIONING_MINUTES)
        need(
            provisioning["failAfterMinutes"] <= duration,
            ["provisioning", "failAfterMinutes"],
            f"{provisioning['failAfterMinutes']} is after the end of provisioning ({duration} minutes)",
        )
    return errors


# ---------------------------------------------------------------- parsing


def _parse(doc: dict[str, Any], name: str) -> Scenario:
    tenant_id = normalize_guid(doc["tenant"]["id"])
    return Scenario(
        name=name,
        document=doc,
        tenant=_parse_tenant(doc["tenant"], tenant_id),
        applications={normalize_guid(client_id): _parse_application(client_id, app)
                      for client_id, app in doc["applications"].items()},
        sign_in=_parse_sign_in(doc.get("signIn", {})),
        users={upn.lower(): _parse_user(upn, user, tenant_id) for upn, user in doc["users"].items()},
        lcs_projects={int(project_id): _parse_project(int(project_id), project, tenant_id)
                      for project_id, project in doc["lcs"]["projects"].items()},
        power_platform_environments={normalize_guid(env_id): _parse_environment(normalize_guid(env_id), env, tenant_id)
                                     for env_id, env in doc["powerPlatform"]["environments"].items()},
        dataverse_orgs={org_name: _parse_org(org_name, org) for org_name, org in doc["dataverse"]["orgs"].items()},
        provisioning=_parse_provisioning(doc.get("provisioning", {})),
        faults=copy.deepcopy(doc.get("faults", {})),
    )


def _parse_tenant(tenant_doc: dict[str, Any], tenant_id: str) -> Tenant:
    return Tenant(
        id=tenant_id,
        domain=tenant_doc["domain"],
        display_name=tenant_doc.get("displayName", tenant_doc["domain"]),
        geography=tenant_doc.get("geography", "unitedstates"),
        capacity={
            kind: Capacity(c["totalMB"], c["actualMB"], c.get("ratedMB", c["actualMB"]), c.get("status"))
            for kind, c in tenant_doc["capacity"].items()
        },
        settings=dict(tenant_doc["settings"]),
        subscriptions={normalize_guid(sku): sub["capabilityStatus"]
                       for sku, sub in tenant_doc.get("subscriptions", {}).items()},
    )


def _parse_application(client_id: str, app: dict[str, Any]) -> Application:
    return Application(
        client_id=normalize_guid(client_id),
        display_name=app["displayName"],
        object_id=normalize_guid(app.get("objectId", client_id)),
        client_secret=app.get("clientSecret"),
        public_client=app.get("publicClient", False),
        roles=tuple(app.get("roles", [])),
        power_platform_admin=app.get("powerPlatformAdmin", True),
        dataverse_application_user=app.get("dataverseApplicationUser", True),
    )


def _parse_sign_in(sign_in_doc: dict[str, Any]) -> SignIn:
    return SignIn(
        upn=sign_in_doc.get("upn"),
        auto_approve=sign_in_doc.get("autoApprove", "upn" in sign_in_doc),
        poll_interval_seconds=sign_in_doc.get("pollIntervalSeconds", 5),
        access_token_lifetime_seconds=sign_in_doc.get("accessTokenLifetimeSeconds", 3599),
    )


def _parse_provisioning(provisioning_doc: dict[str, Any]) -> Provisioning:
    duration = provisioning_doc.get("durationMinutes", DEFAULT_PROVISIONING_MINUTES) * 60.0
    outcome = provisioning_doc.get("outcome", "Succeeded")
    fail_after = None
    if outcome == "Failed":
        fail_after = provisioning_doc["failAfterMinutes"] * 60.0 if "failAfterMinutes" in provisioning_doc else duration / 2
    return Provisioning(duration, outcome, fail_after, provisioning_doc.get("errorMessage", DEFAULT_FAILURE_MESSAGE))


_PROFILE_FIELDS = ("givenName", "surname", "jobTitle", "mail", "mobilePhone", "officeLocation", "preferredLanguage")


def _parse_user(upn: str, user: dict[str, Any], tenant_id: str) -> User:
    profile: dict[str, Any] = {"businessPhones": list(user.get("businessPhones", []))}
    profile.update({key: user.get(key) for key in _PROFILE_FIELDS})
    profile["mail"] = user.get("mail", upn)
    return User(
        upn=upn,
        object_id=normalize_guid(user["objectId"]),
        display_name=user["displayName"],
        tenant_id=normalize_guid(user.get("tenantId", tenant_id)),
        profile=profile,
        licenses=tuple(
            License(lic["skuId"], lic["skuPartNumber"], tuple(lic.get("servicePlans", [])),
                    tuple(normalize_guid(p) for p in lic.get("disabledPlans", [])))
            for lic in user.get("licenses", [])
        ),
        directory_roles=tuple(normalize_guid(r) for r in user.get("directoryRoles", [])),
    )


def _parse_project(project_id: int, project: dict[str, Any], tenant_id: str) -> LcsProject:
    environments = {}
    for env_id, env in project["environments"].items():
        canonical = normalize_guid(env_id)
        initial = env.get("initialPowerPlatformEnvironmentId")
        environments[canonical] = LcsEnvironment(
            id=canonical,
            project_id=project_id,
            name=env["name"],
            type=env["type"],
            region=env["region"],
            disaster_recovery_region=env.get("disasterRecoveryRegion"),
            deployment_state=env["deploymentState"],
            deployment_status=env.get("deploymentStatus", "Deployed"),
            url=env["url"],
            topology=env.get("topology", "Finance and Operations - Sandbox (10.0.40 with Platform update 64)"),
            application_release=env.get("applicationRelease", "10.0.40"),
            application_build_version=env.get("applicationBuildVersion", "10.0.1935.92"),
            platform_release=env.get("platformRelease", "Update64"),
            platform_version=env.get("platformVersion", "7.0.7198.105"),
            deployed_on_utc=env.get("deployedOnUtc", "8/5/2021 12:42 PM"),
            initial_power_platform_environment_id=normalize_guid(initial) if initial else None,
        )
    return LcsProject(
        id=project_id,
        name=project["name"],
        tenant_id=normalize_guid(project.get("tenantId", tenant_id)),
        members={upn.lower(): role for upn, role in project["members"].items()},
        environments=environments,
    )


def _parse_environment(env_id: str, env: dict[str, Any], tenant_id: str) -> PowerPlatformEnvironment:
    dataverse = env.get("dataverse")
    linked = env.get("linkedApp")
    return PowerPlatformEnvironment(
        id=env_id,
        display_name=env["displayName"],
        description=env.get("description"),
        location=env["location"],
        azure_region=env["azureRegion"],
        sku=env.get("sku", "Sandbox"),
        tenant_id=normalize_guid(env.get("tenantId", tenant_id)),
        is_default=env.get("isDefault", False),
        dataverse=DataverseLink(
            org=dataverse["org"],
            state=dataverse.get("state", "Ready"),
            template=tuple(dataverse.get("template", [])),
            version=dataverse.get("version", "9.2.24101.00198"),
        )
        if dataverse
        else None,
        linked_app=LinkedApp(linked["type"], normalize_guid(linked["id"]), linked["url"]) if linked else None,
        packages=parse_packages(env),
        unified=parse_unified(env),
    )


def _parse_org(name: str, org: dict[str, Any]) -> DataverseOrg:
    return DataverseOrg(
        name=name,
        organization_id=normalize_guid(org["organizationId"]),
        business_unit_id=normalize_guid(org["businessUnitId"]),
        roles={
            role_name: DataverseRole(
                role_name,
                normalize_guid(role["roleId"]),
                normalize_guid(role["roleTemplateId"]) if role.get("roleTemplateId") else None,
            )
            for role_name, role in org["roles"].items()
        },
        teams={
            team_name: DataverseTeam(
                name=team_name,
                team_id=normalize_guid(team["teamId"]),
                team_type=team.get("teamType", 0),
                aad_object_id=normalize_guid(team["azureAdObjectId"]) if team.get("azureAdObjectId") else None,
                roles=tuple(team.get("roles", [])),
                members=tuple(upn.lower() for upn in team.get("members", [])),
            )
            for team_name, team in org.get("teams", {}).items()
        },
        users={
            upn.lower(): DataverseUser(upn, normalize_guid(user["systemUserId"]), user.get("isDisabled", False), tuple(user.get("roles", [])))
            for upn, user in org["users"].items()
        },
    )
