"""same-tenant: the operator (a member, not a guest), the LCS sign-in (for an LCS-managed environment)
and the target environment are in one tenant."""

from __future__ import annotations

from domain import facts as F
from domain.checks.engine import FAILED, PASSED, Check, CheckResult, verdict
from domain.request import LinkRequest
from domain.setup_modes import lcs_managed_modes


def rule(request: LinkRequest, operator: F.OperatorFacts, target: F.TargetEnvironmentFacts,
         lcs: F.LcsEnvironmentFacts | None) -> CheckResult:
    lcs_managed = lcs is not None
    tenants = {"operator": operator.tenant_id, "targetEnvironment": target.tenant_id,
               **({"lcsSignIn": lcs.signed_in_tenant_id} if lcs_managed else {})}
    known = {name: t.lower() for name, t in tenants.items() if t}
    evidence = {"tenants": tenants, "operatorUserType": operator.user_type}
    if (operator.user_type or "").lower() == "guest":
        return verdict(FAILED, f"{operator.user_principal_name} is a guest in this tenant.",
                       "Use a member account of the tenant that owns the LCS project and the environment.", **evidence)
    if len(set(known.values())) > 1:
        return verdict(FAILED, "The operator, the LCS sign-in and the target environment are not all in one tenant: "
                               + ", ".join(f"{k} {v}" for k, v in known.items()) + ".",
                       "Link only within one tenant: choose an environment of the tenant that owns the LCS project "
                       "and sign in to LCS from it.", **evidence)
    return verdict(PASSED, ("All three are" if lcs_managed else "Both are") + " in tenant " + next(iter(known.values()), "(unknown)") + ".", **evidence)


CHECK = Check(
    id="same-tenant",
    title="Operator, LCS project and target environment are in one tenant",
    needs=(F.OPERATOR, F.TARGET),
    optional=(F.LCS_ENVIRONMENT,),  # read for LCS-managed environments only, and needed there
    optional_needed_in=lcs_managed_modes(),
    rule=rule,
    order=80,
)
