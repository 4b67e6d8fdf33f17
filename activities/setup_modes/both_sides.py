"""Verifying a link to an LCS-managed environment: both sides must name it.

The target environment's linkedAppMetadata (Power Platform admin API) and Dataverse's
RetrieveFinanceAndOperationsIntegrationDetails must both name the request's LCS environment.
"""

from __future__ import annotations

from activities.clients import clients
from domain.request import LinkRequest
from domain.setup_results import Verification
from domain.values import same_guid
from services.errors import ServiceError


def verify(request: LinkRequest) -> Verification:
    try:
        env = clients().bap.get_environment(request.powerPlatformEnvironmentId)
        integration = clients().dataverse(env.instance_url).get_finops_integration() if env.instance_url else None
    except ServiceError as exc:
        return Verification(verified=False, message=str(exc), evidence=None)
    evidence = {"environmentId": env.id, "displayName": env.display_name,
                "linkedAppId": env.linked_app.id if env.linked_app else None,
                "linkedAppUrl": env.linked_app.url if env.linked_app else None,
                "dataverseIntegrationId": integration.environment_id if integration else None,
                "financeAndOperationsUrl": integration.url if integration else None}
    problems = []
    if not same_guid(evidence["linkedAppId"], request.lcsEnvironmentId):
        problems.append(f"the environment's linkedAppMetadata names {evidence['linkedAppId']}")
    if not same_guid(evidence["dataverseIntegrationId"], request.lcsEnvironmentId):
        problems.append(f"Dataverse reports integration with {evidence['dataverseIntegrationId']}")
    return Verification(verified=not problems, evidence=evidence,
                        message="; ".join(problems) + f", not {request.lcsEnvironmentId}" if problems else "Verified.")
