"""source-not-linked: the finance and operations environment is not linked to a Power Platform
environment with a Dataverse database (the initial one without a database may be), and LCS reports
no integration set up or in progress when its state can be read (lcs-api)."""

from __future__ import annotations

from domain import facts as F
from domain.checks.engine import FAILED, PASSED, Check, CheckResult, verdict
from domain.request import LinkRequest
from domain.setup_modes import lcs_managed_modes


def rule(request: LinkRequest, links: F.LcsLinksFacts, lcs_integration: F.LcsIntegrationFacts | None) -> CheckResult:
    with_dataverse = [e for e in links.environments if e.has_dataverse]
    placeholders = [e for e in links.environments if not e.has_dataverse]
    evidence = {"linkedEnvironments": [{"id": e.id, "displayName": e.display_name, "hasDataverse": e.has_dataverse}
                                       for e in links.environments]}
    if lcs_integration is not None:
        evidence["lcsIntegrationState"] = lcs_integration.state
    if with_dataverse:
        env = with_dataverse[0]
        return verdict(FAILED, f"The finance and operations environment is already linked to '{env.display_name}' "
                               f"({env.id}), which has a Dataverse database. Relinking is not supported.",
                       "No setup is possible for this environment; use the existing link.", **evidence)
    if lcs_integration is not None and lcs_integration.state != "NotConfigured":
        target = lcs_integration.power_platform_environment_id
        return verdict(FAILED, f"Lifecycle Services reports Power Platform integration {lcs_integration.state}"
                               + (f" with environment {target}." if target else "."),
                       "No new setup is possible; follow the existing one in Lifecycle Services.", **evidence)
    if placeholders:
        return verdict(PASSED, f"Only the initial environment '{placeholders[0].display_name}' (no Dataverse) is "
                               "linked; setup will disconnect it.", **evidence)
    return verdict(PASSED, "The finance and operations environment is not linked to any Power Platform environment.",
                   **evidence)


CHECK = Check(
    id="source-not-linked",
    title="The finance and operations environment is not already linked to Dataverse",
    needs=(F.LCS_LINKS,),
    optional=(F.LCS_INTEGRATION,),
    rule=rule,
    order=100,
    modes=lcs_managed_modes(),  # linking an LCS-managed environment only
    revalidated=True,  # a setup started meanwhile, here or in the LCS portal, links it
)
