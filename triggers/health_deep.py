"""GET /api/health/permissions: the deep health check. It asks each Microsoft service once, with the
app's own identity, whether each permission of domain/permissions.py is granted, and answers per
permission granted / missing / not checkable with the fix. `python -m cli doctor` shows it.

Query: `powerPlatformEnvironmentId` (check the Dataverse application user there) and `lcsAccount`
(check that operator's LCS sign-in). Always 200 when it could run: the verdict is in the body.
"""

from __future__ import annotations

import azure.functions as func

from triggers.problems import json_response, problem, problem_response

bp = func.Blueprint()


def _bad(field: str, message: str) -> func.HttpResponse:
    return problem_response(problem(400, "Invalid query", f"{field} {message}",
                                    errors=[{"field": field, "message": message}]))


@bp.route(route="health/permissions", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def health_permissions(req: func.HttpRequest) -> func.HttpResponse:
    from domain.request import MAX_UPN_LENGTH
    from domain.values import is_guid, normalize_guid

    environment = (req.params.get("powerPlatformEnvironmentId") or "").strip() or None
    account = (req.params.get("lcsAccount") or "").strip() or None
    if environment is not None and not is_guid(environment):
        return _bad("powerPlatformEnvironmentId", "must be a GUID")
    if account is not None and (len(account) > MAX_UPN_LENGTH or account.count("@") != 1 or " " in account):
        return _bad("lcsAccount", "must be a user principal name, e.g. admin@contoso.onmicrosoft.com")
    # Imported here: the clients pull in azure-identity and msal, kept out of the app's cold start.
    from services.clients import get_clients
    from services.doctor import diagnose
    report = diagnose(get_clients(), normalize_guid(environment) if environment else None, account)
    return json_response(report)
