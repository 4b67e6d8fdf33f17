"""What the fact activities (activities/facts.py) do: one service question each, answered as a
domain fact. They only read. The orchestrator fans them out in parallel, so each is independent of
the others. Every fact activity has the same body (`gather_fact`); what differs is its fetcher below.

Loaded with the first fact activity, not with the app: the fact classes cost cold-start time.
"""

from __future__ import annotations

import contextvars
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

from activities.clients import clients, gather, traced
from activities.names import FACT_ACTIVITIES
from domain import facts as F
from domain.request import LinkRequest
from domain.geography import location_code
from domain.licenses import qualifying_plan
from services.errors import PermissionDenied, ServiceError
from services.graph import path_safe_upn


def _request(payload: dict[str, Any]) -> LinkRequest:
    return LinkRequest.from_dict(payload["request"])


def _in_context(pool: ThreadPoolExecutor, call: Callable[..., Any], *args: Any) -> Future:
    """Runs `call` in a copy of this context, so its telemetry span stays a child of the activity's."""
    return pool.submit(contextvars.copy_context().run, call, *args)


def fetch_operator(payload: dict[str, Any]) -> F.OperatorFacts:
    request = _request(payload)
    graph = clients().graph
    # All five reads go out together (one Graph round trip): the roles and license details are asked
    # by UPN, which Graph takes in the path. A UPN Graph could misread there waits for the user's id.
    by_upn = path_safe_upn(request.operator)
    with ThreadPoolExecutor(max_workers=5) as pool:
        user_answer = _in_context(pool, graph.get_user, request.operator)
        subscriptions = _in_context(pool, graph.get_subscribed_skus)
        tenant_id = _in_context(pool, graph.get_tenant_id)
        if by_upn:
            roles = _in_context(pool, graph.get_directory_roles, request.operator)
            details = _in_context(pool, graph.get_license_details, request.operator)
        user = user_answer.result()
        if not by_upn:
            roles = _in_context(pool, graph.get_directory_roles, user.id)
            details = _in_context(pool, graph.get_license_details, user.id)
        return F.OperatorFacts(
            object_id=user.id, user_principal_name=user.user_principal_name or request.operator,
            display_name=user.display_name or "", user_type=user.user_type, tenant_id=tenant_id.result(),
            directory_roles=tuple(F.RoleRef(r.template_id, r.display_name or "") for r in roles.result().roles),
            directory_roles_limited=roles.result().limited,
            licenses=_licenses(user, details.result(), subscriptions.result()))


def _licenses(user: Any, details: list[Any], subscriptions: dict[str, str]) -> tuple[F.LicenseRef, ...]:
    """licenseDetails joined with assignedLicenses' disabledPlans and the subscriptions' status. Only
    the finance and operations plans travel on: a suite like Office 365 E5 lists dozens of plans that
    no check reads, and facts are kept in the orchestration's history."""
    disabled = {lic.sku_id: lic.disabled_plans for lic in user.assigned_licenses}
    return tuple(
        F.LicenseRef(d.sku_id, d.sku_part_number,
                     tuple(F.ServicePlanRef(p.id, p.name, p.provisioning_status) for p in d.service_plans
                           if qualifying_plan(p.id)),
                     disabled.get(d.sku_id, ()), subscriptions.get(d.sku_id))
        for d in details)


def fetch_target(payload: dict[str, Any]) -> F.TargetEnvironmentFacts:
    bap = clients().bap
    # The locations do not depend on the environment: both are asked together.
    with ThreadPoolExecutor(max_workers=1) as pool:
        regions = _in_context(pool, _location_regions, bap)
        env = bap.get_environment(_request(payload).powerPlatformEnvironmentId)
    if env.has_dataverse and env.instance_url:
        # The Dataverse facts come next and need this token: ask for it now, not one stage later.
        clients().prefetch_dataverse_token(env.instance_url)
    linked = env.linked_app
    return F.TargetEnvironmentFacts(
        id=env.id, display_name=env.display_name or env.id, tenant_id=env.tenant_id, geography=env.geography or "",
        azure_region=env.azure_region, has_dataverse=env.has_dataverse, instance_url=env.instance_url,
        instance_state=env.instance_state, management_state=env.management_state, runtime_state=env.runtime_state,
        templates=tuple(env.templates),
        linked_app=F.LinkedApp(linked.type or "", linked.id, linked.url) if linked and linked.id else None,
        geography_azure_regions=regions.result().get(location_code(env.geography or ""), ()))


def _location_regions(bap) -> dict[str, tuple[str, ...]]:
    """BAP's own list of each geography's Azure regions; only a second source, so a failure leaves
    the check with the table alone."""
    try:
        return bap.list_location_regions()
    except ServiceError:
        return {}


def fetch_tenant_settings(payload: dict[str, Any]) -> F.TenantSettingsFacts:
    return F.TenantSettingsFacts(clients().bap.get_tenant_settings().disable_environment_creation_by_non_admin_users)


def fetch_capacity(payload: dict[str, Any]) -> F.CapacityFacts:
    capacity = clients().powerplatform.get_tenant_capacity()
    return F.CapacityFacts(capacity.database_total_mb, capacity.database_actual_mb, capacity.status)


def fetch_lcs_environment(payload: dict[str, Any]) -> F.LcsEnvironmentFacts:
    request = _request(payload)
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


def fetch_lcs_links(payload: dict[str, Any]) -> F.LcsLinksFacts:
    linked = clients().bap.environments_linked_to(_request(payload).lcsEnvironmentId)
    return F.LcsLinksFacts(tuple(F.EnvironmentRef(e.id, e.display_name or e.id, e.has_dataverse) for e in linked))


def fetch_lcs_integration(payload: dict[str, Any]) -> F.LcsIntegrationFacts:
    request = _request(payload)
    state = clients().lcs(request.operator).get_integration(request.lcsProjectId, request.lcsEnvironmentId)
    return F.LcsIntegrationFacts(state.state, state.power_platform_environment_id,
                                 state.initial_power_platform_environment_id)


def fetch_dataverse_roles(payload: dict[str, Any]) -> F.DataverseRolesFacts:
    found = clients().dataverse(payload["instanceUrl"]).find_system_user_with_roles(payload["operatorObjectId"])
    if found is None:
        return F.DataverseRolesFacts(system_user_found=False)
    user, roles = found
    return F.DataverseRolesFacts(
        system_user_found=True, system_user_disabled=user.is_disabled,
        roles=tuple(F.SecurityRoleRef(r.name or "", r.template_id, r.via_team) for r in roles))


def fetch_dataverse_integration(payload: dict[str, Any]) -> F.DataverseIntegrationFacts:
    integration = clients().dataverse(payload["instanceUrl"]).get_finops_integration()
    if integration is None:
        return F.DataverseIntegrationFacts(linked=False)
    return F.DataverseIntegrationFacts(linked=True, environment_id=integration.environment_id, url=integration.url)


FETCHERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    F.OPERATOR: fetch_operator,
    F.TARGET: fetch_target,
    F.TENANT_SETTINGS: fetch_tenant_settings,
    F.CAPACITY: fetch_capacity,
    F.LCS_ENVIRONMENT: fetch_lcs_environment,
    F.LCS_LINKS: fetch_lcs_links,
    F.LCS_INTEGRATION: fetch_lcs_integration,
    F.DATAVERSE_ROLES: fetch_dataverse_roles,
    F.DATAVERSE_INTEGRATION: fetch_dataverse_integration,
}


def gather_fact(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The body of every fact activity: fetch one fact; a service failure becomes its error."""
    with traced(FACT_ACTIVITIES[name], payload) as span:
        result = gather(name, lambda: FETCHERS[name](payload))
        error = result["error"] or {}
        span.status("error" if error else "ok", errorCode=error.get("code"), httpStatus=error.get("status"))
        return result

