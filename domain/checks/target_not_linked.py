"""target-not-linked: the target Dataverse is linked to no finance and operations environment, as
BAP's linkedAppMetadata and Dataverse's own integration details both say (a link can't be undone)."""

from __future__ import annotations

from domain import facts as F
from domain.checks.engine import FAILED, PASSED, Check, CheckResult, verdict
from domain.request import LinkRequest
from domain.values import same_guid


def rule(request: LinkRequest, target: F.TargetEnvironmentFacts,
         integration: F.DataverseIntegrationFacts) -> CheckResult:
    linked_to = (target.linked_app.id if target.linked_app else None) or \
                (integration.environment_id if integration.linked else None)
    evidence = {"linkedAppMetadata": target.linked_app and {"type": target.linked_app.type, "id": target.linked_app.id},
                "dataverseIntegration": {"linked": integration.linked, "id": integration.environment_id,
                                         "url": integration.url}}
    if not linked_to:
        return verdict(PASSED, f"'{target.display_name}' is not linked to any finance and operations environment.",
                       **evidence)
    if request.setupMode == "unified" and target.linked_app and (target.linked_app.type or "").lower() == "internal":
        # Finance and operations installed into this environment (an earlier install): the run adopts it.
        return verdict(PASSED, f"'{target.display_name}' already has finance and operations installed "
                               "through the unified model; the run follows that install instead of starting one.",
                       **evidence)
    if same_guid(linked_to, request.lcsEnvironmentId):
        return verdict(FAILED, f"'{target.display_name}' is already linked to this finance and operations "
                               "environment: there is nothing to set up.",
                       "No action is needed; the link exists.", **evidence)
    return verdict(FAILED, f"'{target.display_name}' is already linked to finance and operations environment "
                           f"{linked_to}. A Dataverse environment can be linked to one only, and links can't be undone.",
                   "Choose another Dataverse environment.", **evidence)


CHECK = Check(
    id="target-not-linked",
    title="The Dataverse environment is not linked to a finance and operations environment",
    needs=(F.TARGET, F.DATAVERSE_INTEGRATION),
    rule=rule,
    order=90,
    revalidated=True,  # another run or a person in the portal may link it while this one waits
)
