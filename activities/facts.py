"""Fact-gathering activities: one service question each, answered as a domain fact.

They only read. The orchestrator fans them out in parallel, so each is independent of the others.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from activities import names
from activities.clients import clients, gather
from domain import facts as F
from domain.request import LinkRequest, normalize_guid
from services.errors import PermissionDenied

bp = df.Blueprint()


def _request(payload: dict[str, Any]) -> LinkRequest:
    return LinkRequest.from_dict(payload["request"])


def _same_guid(a: str | None, b: str | None) -> bool:
    return bool(a and b) and normalize_guid(a) == normalize_guid(b)


@bp.function_name(names.FACT_ACTIVITIES[F.OPERATOR])
@bp.activity_trigger(input_name="payload")
def gather_operator(payload: dict) -> dict:
    request = _request(payload)

    def fetch() -> F.OperatorFacts:
        graph = clients().graph
        user = graph.get_user(request.operator)
        roles = graph.get_directory_roles(user.id)
        return F.OperatorFacts(
            object_id=user.id, user_principal_name=user.user_principal_name or request.operator,
            display_name=user.display_name or "", user_type=user.user_type, tenant_id=graph.get_tenant_id(),
            directory_roles=tuple(F.RoleRef(r.template_id, r.display_name or "") for r in roles),
            licenses=tuple(F.LicenseRef(lic.sku_id) for lic in user.assigned_licenses))
    return gather(F.OPERATOR, fetch)


@bp.function_name(names.FACT_ACTIVITIES[F.TARGET])
@bp.activity_trigger(input_name="payload")
def gather_target_environment(payload: dict) -> dict:
    request = _request(payload)

    def fetch() -> F.TargetEnvironmentFacts:
        env = clients().bap.get_environment(request.powerPlatformEnvironmentId)
        linked = env.linked_app
        return F.TargetEnvironmentFacts(
            id=env.id, display_name=env.display_name or env.id, tenant_id=env.tenant_id, geography=env.geography or "",
            azure_region=env.azure_region, has_dataverse=env.has_dataverse, instance_url=env.instance_url,
            instance_state=env.instance_state, management_state=env.management_state, runtime_state=env.runtime_state,
            templates=tuple(env.templates),
            linked_app=F.LinkedApp(linked.type or "", linked.id, linked.url) if linked and linked.id else None)
    return gather(F.TARGET, fetch)


@bp.function_name(names.FACT_ACTIVITIES[F.TENANT_SETTINGS])
@bp.activity_trigger(input_name="payload")
def gather_tenant_settings(payload: dict) -> dict:
    def fetch() -> F.TenantSettingsFacts:
        settings = clients().bap.get_tenant_settings()
        return F.TenantSettingsFacts(settings.disable_environment_creation_by_non_admin_users)
    return gather(F.TENANT_SETTINGS, fetch)


@bp.function_name(names.FACT_ACTIVITIES[F.CAPACITY])
@bp.activity_trigger(input_name="payload")
def gather_capacity(payload: dict) -> dict:
    def fetch() -> F.CapacityFacts:
        capacity = clients().powerplatform.get_tenant_capacity()
        return F.CapacityFacts(capacity.database_total_mb, capacity.database_actual_mb, capacity.status)
    return gather(F.CAPACITY, fetch)


@bp.function_name(names.FACT_ACTIVITIES[F.LCS_ENVIRONMENT])
@bp.activity_trigger(input_name="payload")
def gather_lcs_environment(payload: dict) -> dict:
    request = _request(payload)

    def fetch() -> F.LcsEnvironmentFacts:
        lcs = clients().lcs(request.operator)
        account = lcs.signed_in_account()
        base = dict(project_id=request.lcsProjectId, environment_id=request.lcsEnvironmentId,
                    signed_in_upn=account.upn, signed_in_tenant_id=account.tenant_id)
        try:
            env = lcs.get_environment(request.lcsProjectId, request.lcsEnvironmentId)
        except PermissionDenied:
            # LCS lets only Project owners and Environment managers read environment metadata.
            return F.LcsEnvironmentFacts(found=False, access_denied=True, **base)
        if env is None:
            return F.LcsEnvironmentFacts(found=False, **base)
        return F.LcsEnvironmentFacts(
            found=True, name=env.name, environment_type=env.environment_type, deployment_state=env.deployment_state,
            deployment_status=env.deployment_status, region=env.region, **base)
    return gather(F.LCS_ENVIRONMENT, fetch)


@bp.function_name(names.FACT_ACTIVITIES[F.LCS_LINKS])
@bp.activity_trigger(input_name="payload")
def gather_lcs_links(payload: dict) -> dict:
    request = _request(payload)

    def fetch() -> F.LcsLinksFacts:
        linked = [env for env in clients().bap.list_environments()
                  if env.linked_app and _same_guid(env.linked_app.id, request.lcsEnvironmentId)]
        return F.LcsLinksFacts(tuple(F.EnvironmentRef(e.id, e.display_name or e.id, e.has_dataverse) for e in linked))
    return gather(F.LCS_LINKS, fetch)


@bp.function_name(names.FACT_ACTIVITIES[F.LCS_INTEGRATION])
@bp.activity_trigger(input_name="payload")
def gather_lcs_integration(payload: dict) -> dict:
    request = _request(payload)

    def fetch() -> F.LcsIntegrationFacts:
        state = clients().lcs(request.operator).get_integration(request.lcsProjectId, request.lcsEnvironmentId)
        return F.LcsIntegrationFacts(state.state, state.power_platform_environment_id,
                                     state.initial_power_platform_environment_id)
    return gather(F.LCS_INTEGRATION, fetch)


@bp.function_name(names.FACT_ACTIVITIES[F.DATAVERSE_ROLES])
@bp.activity_trigger(input_name="payload")
def gather_dataverse_roles(payload: dict) -> dict:
    def fetch() -> F.DataverseRolesFacts:
        dataverse = clients().dataverse(payload["instanceUrl"])
        user = dataverse.find_system_user(payload["operatorObjectId"])
        if user is None:
            return F.DataverseRolesFacts(system_user_found=False)
        roles = dataverse.get_security_roles(user.id)
        return F.DataverseRolesFacts(
            system_user_found=True, system_user_disabled=user.is_disabled,
            roles=tuple(F.SecurityRoleRef(r.name or "", r.template_id, r.via_team) for r in roles))
    return gather(F.DATAVERSE_ROLES, fetch)


@bp.function_name(names.FACT_ACTIVITIES[F.DATAVERSE_INTEGRATION])
@bp.activity_trigger(input_name="payload")
def gather_dataverse_integration(payload: dict) -> dict:
    def fetch() -> F.DataverseIntegrationFacts:
        integration = clients().dataverse(payload["instanceUrl"]).get_finops_integration()
        if integration is None:
            return F.DataverseIntegrationFacts(linked=False)
        return F.DataverseIntegrationFacts(linked=True, environment_id=integration.environment_id,
                                           url=integration.url)
    return gather(F.DATAVERSE_INTEGRATION, fetch)

