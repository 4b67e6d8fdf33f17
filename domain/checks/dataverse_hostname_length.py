"""dataverse-hostname-length: the target's Dataverse hostname (the first label of its URL) has at most
19 characters; Microsoft documents that the provisioning app's install fails otherwise (setupMode unified)."""

from __future__ import annotations

from urllib.parse import urlsplit

from domain import facts as F
from domain.checks.engine import FAILED, PASSED, Check, CheckResult, verdict
from domain.request import LinkRequest

MAX_HOSTNAME = 19


def hostname(target: F.TargetEnvironmentFacts) -> str | None:
    """BAP's domainName, else the first label of the instance URL."""
    if target.domain_name:
        return target.domain_name
    host = urlsplit(target.instance_url or "").hostname
    return host.split(".", 1)[0] if host else None


def rule(request: LinkRequest, target: F.TargetEnvironmentFacts) -> CheckResult:
    name = hostname(target)
    evidence = {"hostname": name, "length": len(name) if name else None, "maximum": MAX_HOSTNAME}
    if name is None:
        return verdict(FAILED, f"'{target.display_name}' reports no Dataverse URL.",
                       "Add a Dataverse database with 'Enable Dynamics 365 apps', or choose another environment.",
                       **evidence)
    if len(name) <= MAX_HOSTNAME:
        return verdict(PASSED, f"The Dataverse hostname '{name}' has {len(name)} characters.", **evidence)
    return verdict(FAILED, f"The Dataverse hostname '{name}' has {len(name)} characters; the install fails above "
                           f"{MAX_HOSTNAME}.",
                   "Edit the environment's URL in the Power Platform admin center (Environments > the environment > "
                   f"Edit) to at most {MAX_HOSTNAME} characters, then check again.", **evidence)


CHECK = Check(
    id="dataverse-hostname-length",
    title=f"The Dataverse hostname has at most {MAX_HOSTNAME} characters",
    needs=(F.TARGET,),
    rule=rule,
    order=55,
    modes=frozenset({"unified"}),
)
