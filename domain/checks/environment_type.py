"""environment-type: the target is a Sandbox or Trial (subscription-based) environment: Microsoft
supports the Finance and Operations Provisioning App on no other type (setupMode unified)."""

from __future__ import annotations

from domain import facts as F
from domain.checks.engine import FAILED, PASSED, Check, CheckResult, verdict
from domain.request import LinkRequest

SUPPORTED = ("Sandbox", "Trial")


def rule(request: LinkRequest, target: F.TargetEnvironmentFacts) -> CheckResult:
    evidence = {"environmentSku": target.sku, "supported": list(SUPPORTED)}
    if (target.sku or "").lower() in {s.lower() for s in SUPPORTED}:
        return verdict(PASSED, f"'{target.display_name}' is a {target.sku} environment.", **evidence)
    found = f"a {target.sku} environment" if target.sku else "of a type the Power Platform admin API did not report"
    return verdict(FAILED, f"'{target.display_name}' is {found}; the Finance and Operations Provisioning App "
                           "installs into Sandbox and Trial (subscription-based) environments only.",
                   "Choose a Sandbox environment (or create one with 'Enable Dynamics 365 apps'), or convert this "
                   "one to Sandbox in the Power Platform admin center before installing.", **evidence)


CHECK = Check(
    id="environment-type",
    title="The target is a Sandbox or Trial environment",
    needs=(F.TARGET,),
    rule=rule,
    order=5,
    modes=frozenset({"unified"}),
)
