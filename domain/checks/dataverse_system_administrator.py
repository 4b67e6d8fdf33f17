"""dataverse-system-administrator: the operator holds the System Administrator security role in the
target Dataverse, directly or through a team."""

from __future__ import annotations

from domain import directory, facts as F
from domain.checks.engine import FAILED, PASSED, Check, CheckResult, verdict
from domain.request import LinkRequest
from domain.values import same_guid

REMEDY = ("Assign the operator the System Administrator security role in the target environment (Power "
          "Platform admin center > Environment > Settings > Users). A newly granted role can take up to an "
          "hour to be seen.")


def rule(request: LinkRequest, roles: F.DataverseRolesFacts) -> CheckResult:
    if not roles.system_user_found:
        return verdict(FAILED, f"{request.operator} is not a user of the target Dataverse.", REMEDY)
    if roles.system_user_disabled:
        return verdict(FAILED, f"{request.operator} is disabled in the target Dataverse.", REMEDY)
    sysadmin = [r for r in roles.roles if same_guid(r.template_id, directory.DATAVERSE_SYSTEM_ADMINISTRATOR_TEMPLATE)]
    evidence = {"roles": [r.name + (f" (via team {r.via_team})" if r.via_team else "") for r in roles.roles]}
    if sysadmin:
        via = f" through team {sysadmin[0].via_team}" if sysadmin[0].via_team else ""
        return verdict(PASSED, f"The operator holds System Administrator{via}.", **evidence)
    return verdict(FAILED, "The operator does not hold System Administrator, directly or through a team.", REMEDY,
                   **evidence)


CHECK = Check(
    id="dataverse-system-administrator",
    title="The operator is System Administrator in the target Dataverse",
    needs=(F.DATAVERSE_ROLES,),
    rule=rule,
    order=60,
)
