"""dataverse-ready: the target has a Dataverse database in state Ready, created with Dynamics 365
apps enabled (they can't be enabled later), and not in administration mode."""

from __future__ import annotations

from domain import facts as F
from domain.checks.engine import FAILED, PASSED, WARNING, Check, CheckResult, verdict
from domain.request import LinkRequest


def rule(request: LinkRequest, target: F.TargetEnvironmentFacts) -> CheckResult:
    evidence = {"databaseType": "CommonDataService" if target.has_dataverse else None,
                "instanceState": target.instance_state, "managementState": target.management_state,
                "runtimeState": target.runtime_state, "templates": list(target.templates)}
    if not target.has_dataverse:
        return verdict(FAILED, f"Environment '{target.display_name}' has no Dataverse database.",
                       "Add a Dataverse database with 'Enable Dynamics 365 apps' turned on, or choose another "
                       "environment.", **evidence)
    if not any(t.upper().startswith("D365_") for t in target.templates):
        return verdict(FAILED, f"Environment '{target.display_name}' was created without Dynamics 365 apps.",
                       "Dynamics 365 apps can only be enabled when the database is created: choose or create an "
                       "environment whose database was created with 'Enable Dynamics 365 apps'.", **evidence)
    if (target.instance_state or "").lower() != "ready" or (target.management_state or "").lower() != "ready":
        return verdict(FAILED, f"The Dataverse database is not ready (instance {target.instance_state}, "
                               f"management {target.management_state}).",
                       "Wait until the environment shows Ready in the Power Platform admin center.", **evidence)
    if (target.runtime_state or "enabled").lower() != "enabled":
        return verdict(WARNING, f"The environment is in {target.runtime_state} mode.",
                       "Turn administration mode off before setup so the integration can install its solutions.",
                       **evidence)
    return verdict(PASSED, "The Dataverse database is ready and Dynamics 365 apps are enabled.", **evidence)


CHECK = Check(
    id="dataverse-ready",
    title="The target has a ready Dataverse database with Dynamics 365 apps enabled",
    needs=(F.TARGET,),
    rule=rule,
    order=50,
)
