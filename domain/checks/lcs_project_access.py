"""lcs-project-access: Lifecycle Services is signed in as the operator, who can read the environment
(Project owner or Environment manager); the environment is a deployed sandbox or production one."""

from __future__ import annotations

from domain import facts as F
from domain.checks.engine import FAILED, PASSED, Check, CheckResult, verdict
from domain.request import LinkRequest
from domain.setup_modes import lcs_managed_modes

DEPLOYED_STATES = {"finished", "deployed"}
LINKABLE_ENVIRONMENT_TYPES = ("sandbox", "production")


def rule(request: LinkRequest, lcs: F.LcsEnvironmentFacts) -> CheckResult:
    evidence = {"projectId": lcs.project_id, "environmentId": lcs.environment_id, "signedInAs": lcs.signed_in_upn,
                "environmentType": lcs.environment_type, "deploymentState": lcs.deployment_state,
                "deploymentStatus": lcs.deployment_status}
    role_remedy = ("Make the operator Project owner or Environment manager in LCS project "
                   f"{request.lcsProjectId} (Project settings > Users), signed in from the tenant that owns it.")
    if (lcs.signed_in_upn or "").lower() != request.operator.lower():
        return verdict(FAILED, f"Lifecycle Services is signed in as {lcs.signed_in_upn}, not as the operator "
                               f"{request.operator}.",
                       f"Sign in to Lifecycle Services as {request.operator}: python -m cli login --account "
                       f"{request.operator}", **evidence)
    if lcs.access_denied:
        return verdict(FAILED, f"{request.operator} may not read project {request.lcsProjectId} in Lifecycle Services.",
                       role_remedy, **evidence)
    if not lcs.found:
        return verdict(FAILED, f"Project {request.lcsProjectId} has no environment {request.lcsEnvironmentId} that "
                               f"{request.operator} can see.", role_remedy, **evidence)
    env_type = (lcs.environment_type or "").lower()
    if not any(kind in env_type for kind in LINKABLE_ENVIRONMENT_TYPES):
        return verdict(FAILED, f"'{lcs.name}' is a {lcs.environment_type} environment; only sandbox and production "
                               "environments can be linked after deployment.",
                       "Cloud-hosted development environments can only be linked when they are deployed.",
                       **evidence)
    if {(lcs.deployment_state or "").lower(), (lcs.deployment_status or "").lower()}.isdisjoint(DEPLOYED_STATES) \
            or (lcs.deployment_status or "").lower() == "failed":
        return verdict(FAILED, f"'{lcs.name}' is not deployed (state {lcs.deployment_state}, status "
                               f"{lcs.deployment_status}).",
                       "Finish or repair the deployment in Lifecycle Services first.", **evidence)
    return verdict(PASSED, f"{request.operator} can manage '{lcs.name}' ({lcs.environment_type}, deployed).",
                   **evidence)


CHECK = Check(
    id="lcs-project-access",
    title="The operator can manage the environment in Lifecycle Services",
    needs=(F.LCS_ENVIRONMENT,),
    rule=rule,
    order=70,
    modes=lcs_managed_modes(),  # linking an LCS-managed environment only
)
