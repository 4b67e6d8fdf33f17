"""Every service checks the bearer token (signature, expiry, audience, tenant) and answers 401 in its own shape."""
from __future__ import annotations

import pytest

from sandbox.tokens import TokenIssuer

# (service, a path that needs a token, the scope whose token it accepts)
ROUTES = [
    ("graph", "/graph/v1.0/users/admin%40contoso.onmicrosoft.com", "https://graph.microsoft.com/.default"),
    ("bap", "/bap/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2023-06-01", "https://service.powerapps.com/.default"),
    ("powerplatform", "/powerplatform/licensing/tenantCapacity?api-version=2022-03-01-preview", "https://api.powerplatform.com/.default"),
    ("dataverse", "/dataverse/contoso-uat/api/data/v9.2/WhoAmI", "DATAVERSE"),
    ("lcs", "/lcs/environmentinfo/v1/detail/project/1234567/?environmentId=a98e06c0-b563-411f-9431-23b5ed5c93ed", "https://lcsapi.lcs.dynamics.com//.default"),
]


def _scope(server, scope: str) -> str:
    return f"{server.dataverse_org_url('contoso-uat')}/.default" if scope == "DATAVERSE" else scope


def _token(client, service: str, scope: str) -> str:
    # LCS takes delegated tokens only; the others are called app-only by the product.
    return client.user_token(scope) if service == "lcs" else client.app_token(scope)


def _assert_service_shaped_401(service: str, response) -> None:
    assert response.status_code == 401
    if service == "lcs":
        assert response.json()["IsSuccess"] is False and response.json()["ErrorMessage"]
    else:
        assert response.json()["error"]["message"]
    if service in ("graph", "bap", "powerplatform"):
        assert response.json()["error"]["code"] == "InvalidAuthenticationToken"
    if service in ("graph", "dataverse"):
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    if service == "graph":
        assert "request-id" in response.json()["error"]["innerError"]


@pytest.mark.parametrize("service,path,scope", ROUTES, ids=[r[0] for r in ROUTES])
def test_the_right_token_passes(client, server, service, path, scope):
    token = _token(client, service, _scope(server, scope))
    response = client.get(path, token, headers={"x-ms-version": "2017-09-15", "ConsistencyLevel": "eventual"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("service,path,scope", ROUTES, ids=[r[0] for r in ROUTES])
def test_a_missing_token_is_401(client, service, path, scope):
    _assert_service_shaped_401(service, client.get(path, headers={"x-ms-version": "2017-09-15"}))


@pytest.mark.parametrize("service,path,scope", ROUTES, ids=[r[0] for r in ROUTES])
def test_a_token_for_another_audience_is_401(client, server, service, path, scope):
    other = "https://api.powerplatform.com/.default" if service != "powerplatform" else "https://graph.microsoft.com/.default"
    token = _token(client, service, other)
    response = client.get(path, token, headers={"x-ms-version": "2017-09-15"})
    _assert_service_shaped_401(service, response)
    assert "audience" in response.text


@pytest.mark.parametrize("service,path,scope", ROUTES, ids=[r[0] for r in ROUTES])
def test_expired_forged_and_foreign_tenant_tokens_are_401(client, server, service, path, scope):
    audience = _scope(server, scope).removesuffix("/.default").rstrip("/")
    tokens = server.sandbox.tokens
    forger = TokenIssuer(b"a key that is not the sandbox key!", server.base_url)
    common = dict(audience=audience, client_id="8665b7e3-b24a-4542-9b99-aefcf46b9f27", object_id="75bde90b-0c7a-4538-8a6b-dc8101ead110",
                  upn="admin@contoso.onmicrosoft.com", name="Adele Vance", scope="user_impersonation")
    expired = tokens.user_token(tenant_id=server.scenario.tenant.id, lifetime=-60, **common)
    forged = forger.user_token(tenant_id=server.scenario.tenant.id, lifetime=3600, **common)
    foreign = tokens.user_token(tenant_id="f9cfc6d3-9df4-4827-887e-42ffa314911a", lifetime=3600, **common)
    for token in (expired, forged, foreign):
        _assert_service_shaped_401(service, client.get(path, token, headers={"x-ms-version": "2017-09-15"}))


def test_a_dataverse_token_is_only_good_for_its_own_org(start_sandbox, make_client, ids):
    server = start_sandbox("source-already-linked")  # two orgs: contoso-uat and contoso-uat-ops
    client = make_client(server)
    token = client.app_token(f"{server.dataverse_org_url('contoso-uat-ops')}/.default")
    assert client.get("/dataverse/contoso-uat-ops/api/data/v9.2/WhoAmI", token).status_code == 200
    assert client.get("/dataverse/contoso-uat/api/data/v9.2/WhoAmI", token).status_code == 401


def test_lcs_refuses_app_only_tokens(client, ids):
    token = client.app_token(ids.scopes["lcs"])
    response = client.lcs("GET", f"/environmentinfo/v1/detail/project/{ids.project}/?environmentId={ids.lcs_env}", token)
    assert response.status_code == 401
    assert "delegated" in response.json()["ErrorMessage"]


def test_tokens_never_reach_the_call_log(client, server, ids):
    token = client.app_token(ids.scopes["graph"])
    client.get("/graph/v1.0/users/admin%40contoso.onmicrosoft.com", token)
    client.get("/graph/v1.0/users/admin%40contoso.onmicrosoft.com?access_token=" + token, token)
    log = client.admin("GET", "/calls").text
    assert token not in log and token.split(".")[1] not in log
    assert server.settings()["AZURE_CLIENT_SECRET"] not in log
    assert "access_token=REDACTED" in log
