"""The operator fact: who the operator is in Entra ID, their directory roles and licenses (Graph)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from activities.clients import clients
from activities.facts._gather import fact_activity, gather_fact, in_context, request_of

if TYPE_CHECKING:
    from domain.facts.operator import LicenseRef, OperatorFacts


@fact_activity
def gather_operator(payload: dict) -> dict:
    from domain.facts.operator import FACT

    return gather_fact(FACT, payload, fetch_operator)


def fetch_operator(payload: dict[str, Any]) -> "OperatorFacts":
    from concurrent.futures import ThreadPoolExecutor

    from domain.facts.operator import OperatorFacts, RoleRef
    from services.graph import path_safe_upn

    request = request_of(payload)
    graph = clients().graph
    # All five reads go out together (one Graph round trip): the roles and license details are asked
    # by UPN, which Graph takes in the path. A UPN Graph could misread there waits for the user's id.
    by_upn = path_safe_upn(request.operator)
    with ThreadPoolExecutor(max_workers=5) as pool:
        user_answer = in_context(pool, graph.get_user, request.operator)
        subscriptions = in_context(pool, graph.get_subscribed_skus)
        tenant_id = in_context(pool, graph.get_tenant_id)
        if by_upn:
            roles = in_context(pool, graph.get_directory_roles, request.operator)
            details = in_context(pool, graph.get_license_details, request.operator)
        user = user_answer.result()
        if not by_upn:
            roles = in_context(pool, graph.get_directory_roles, user.id)
            details = in_context(pool, graph.get_license_details, user.id)
        return OperatorFacts(
            object_id=user.id, user_principal_name=user.user_principal_name or request.operator,
            display_name=user.display_name or "", user_type=user.user_type, tenant_id=tenant_id.result(),
            directory_roles=tuple(RoleRef(r.template_id, r.display_name or "") for r in roles.result().roles),
            directory_roles_limited=roles.result().limited,
            licenses=_licenses(user, details.result(), subscriptions.result()))


def _licenses(user: Any, details: list[Any], subscriptions: dict[str, str]) -> "tuple[LicenseRef, ...]":
    """licenseDetails joined with assignedLicenses' disabledPlans and the subscriptions' status. Only
    the finance and operations plans travel on: a suite like Office 365 E5 lists dozens of plans that
    no check reads, and facts are kept in the orchestration's history."""
    from domain.facts.operator import LicenseRef, ServicePlanRef
    from domain.licenses import qualifying_plan

    disabled = {lic.sku_id: lic.disabled_plans for lic in user.assigned_licenses}
    return tuple(
        LicenseRef(d.sku_id, d.sku_part_number,
                   tuple(ServicePlanRef(p.id, p.name, p.provisioning_status) for p in d.service_plans
                         if qualifying_plan(p.id)),
                   disabled.get(d.sku_id, ()), subscriptions.get(d.sku_id))
        for d in details)
