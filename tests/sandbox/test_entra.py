"""The token endpoint: claims, errors, device code and refresh; and the real msal / azure-identity against it."""
from __future__ import annotations

import base64
import json

import jwt
import msal
import pytest
import requests
from azure.identity import ClientSecretCredential


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_openid_configuration_by_tenant_id_and_domain(client, server, ids):
    for tenant in (ids.tenant, "contoso.onmicrosoft.com"):
        config = client.get(f"/{tenant}/v2.0/.well-known/openid-configuration").json()
        assert config["token_endpoint"] == f"{server.base_url}/{ids.tenant}/oauth2/v2.0/token"
        assert config["device_authorization_endpoint"] == f"{server.base_url}/{ids.tenant}/oauth2/v2.0/devicecode"
        assert config["issuer"] == f"{server.base_url}/{ids.tenant}/v2.0"
    unknown = client.get("/fabrikam.onmicrosoft.com/v2.0/.well-known/openid-configuration")
    assert unknown.status_code == 400 and unknown.json()["error_codes"] == [90002]


def test_app_only_token_claims(client, ids, server):
    token = client.app_token("https://lcsapi.lcs.dynamics.com//.default")
    claims = _claims(token)
    assert claims["aud"] == "https://lcsapi.lcs.dynamics.com"  # the double slash of the scope is gone
    assert claims["tid"] == ids.tenant and claims["appid"] == server.settings()["AZURE_CLIENT_ID"]
    assert claims["oid"] == "1aca9d76-f98b-4f29-ba00-e138e3d4090a" and "upn" not in claims
    assert claims["exp"] - claims["iat"] == 3599 and claims["roles"]
    assert _claims(client.app_token("https://lcsapi.lcs.dynamics.com//.default"))["uti"] != claims["uti"]


def test_client_credentials_errors(client, server):
    settings = server.settings()
    base = dict(grant_type="client_credentials", client_id=settings["AZURE_CLIENT_ID"], scope="https://graph.microsoft.com/.default")
    wrong_secret = client.token_endpoint(**base, client_secret="nope")
    assert wrong_secret.status_code == 401 and wrong_secret.json()["error"] == "invalid_client"
    assert "nope" not in wrong_secret.text
    unknown_app = client.token_endpoint(**{**base, "client_id": "00000000-0000-0000-0000-00000000abcd"}, client_secret="x")
    assert unknown_app.json()["error_codes"] == [700016]
    not_default = client.token_endpoint(**{**base, "scope": "https://graph.microsoft.com/User.Read"}, client_secret=settings["AZURE_CLIENT_SECRET"])
    assert not_default.json()["error"] == "invalid_scope"
    unknown_resource = client.token_endpoint(**{**base, "scope": "https://example.com/.default"}, client_secret=settings["AZURE_CLIENT_SECRET"])
    assert unknown_resource.json()["error"] == "invalid_resource"
    basic = base64.b64encode(f"{settings['AZURE_CLIENT_ID']}:{settings['AZURE_CLIENT_SECRET']}".encode()).decode()
    with_basic_auth = client.post(f"/{settings['AZURE_TENANT_ID']}/oauth2/v2.0/token", data={"grant_type": "client_credentials", "scope": base["scope"]},
                                  headers={"Authorization": f"Basic {basic}"})
    assert with_basic_auth.status_code == 200


def test_device_code_waits_for_approval_then_issues_a_user_token(start_sandbox, make_client, ids):
    server = start_sandbox({"extends": "happy-path", "signIn": {"autoApprove": False}})
    client = make_client(server)
    client_id = server.settings()["LCS_CLIENT_ID"]
    code = client.post(f"/{ids.tenant}/oauth2/v2.0/devicecode", data={"client_id": client_id, "scope": ids.scopes["lcs"]}).json()
    assert {"user_code", "device_code", "verification_uri", "expires_in", "interval", "message"} <= set(code)
    poll = dict(grant_type="urn:ietf:params:oauth:grant-type:device_code", client_id=client_id, device_code=code["device_code"])
    pending = client.token_endpoint(**poll)
    assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"
    assert [c["user_code"] for c in client.admin("GET", "/devicecodes").json()] == [code["user_code"]]
    approved = client.admin("POST", "/devicecodes/approve", json={"user_code": code["user_code"], "upn": "megan@contoso.onmicrosoft.com"})
    assert approved.status_code == 200
    tokens = client.token_endpoint(**poll).json()
    claims = _claims(tokens["access_token"])
    assert claims["upn"] == "megan@contoso.onmicrosoft.com" and claims["aud"] == "https://lcsapi.lcs.dynamics.com"
    assert claims["scp"] == "user_impersonation" and claims["oid"] == "814353f4-e0c0-4553-9c90-996d584f6ec1"
    assert _claims(tokens["id_token"])["preferred_username"] == "megan@contoso.onmicrosoft.com"
    info = json.loads(base64.urlsafe_b64decode(tokens["client_info"] + "=="))
    assert info == {"uid": claims["oid"], "utid": ids.tenant}
    assert client.token_endpoint(**poll).json()["error"] == "invalid_grant"  # a device code is redeemed once


def test_approval_of_unknown_codes_and_users_is_refused(client, ids):
    assert client.admin("POST", "/devicecodes/approve", json={"user_code": "NOPE", "upn": ids.operator}).status_code == 404
    code = client.post(f"/{ids.tenant}/oauth2/v2.0/devicecode", data={"client_id": client.server.settings()["LCS_CLIENT_ID"], "scope": ids.scopes["lcs"]}).json()
    assert client.admin("POST", "/devicecodes/approve", json={"user_code": code["user_code"], "upn": "eve@fabrikam.com"}).status_code == 400


def test_device_login_page_signs_in_a_code(start_sandbox, make_client, ids):
    server = start_sandbox({"extends": "happy-path", "signIn": {"autoApprove": False}})
    client = make_client(server)
    code = client.post(f"/{ids.tenant}/oauth2/v2.0/devicecode", data={"client_id": server.settings()["LCS_CLIENT_ID"], "scope": ids.scopes["lcs"]}).json()
    assert "Adele Vance" in client.admin("GET", "/devicelogin").text
    page = client.admin("POST", "/devicelogin", data={"user_code": code["user_code"], "upn": ids.operator})
    assert "Signed in admin@contoso.onmicrosoft.com" in page.text
    assert client.admin("GET", "/devicecodes").json()[0]["approved_upn"] == ids.operator


def test_device_code_needs_a_public_client(client, server, ids):
    response = client.post(f"/{ids.tenant}/oauth2/v2.0/devicecode", data={"client_id": server.settings()["AZURE_CLIENT_ID"], "scope": ids.scopes["lcs"]})
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_refresh_token_grant(client, server, ids):
    client_id = server.settings()["LCS_CLIENT_ID"]
    code = client.post(f"/{ids.tenant}/oauth2/v2.0/devicecode", data={"client_id": client_id, "scope": ids.scopes["lcs"]}).json()
    first = client.token_endpoint(grant_type="urn:ietf:params:oauth:grant-type:device_code", client_id=client_id, device_code=code["device_code"]).json()
    refreshed = client.token_endpoint(grant_type="refresh_token", client_id=client_id, refresh_token=first["refresh_token"], scope=ids.scopes["lcs"])
    assert refreshed.status_code == 200
    assert _claims(refreshed.json()["access_token"])["upn"] == ids.operator
    with_access_token = client.token_endpoint(grant_type="refresh_token", client_id=client_id, refresh_token=first["access_token"], scope=ids.scopes["lcs"])
    assert with_access_token.json()["error"] == "invalid_grant"


# ---- the real client libraries, unmodified

def test_azure_identity_client_secret_credential_gets_an_app_token(server, ids):
    settings = server.settings()
    credential = ClientSecretCredential(
        settings["AZURE_TENANT_ID"], settings["AZURE_CLIENT_ID"], settings["AZURE_CLIENT_SECRET"],
        authority=settings["AZURE_AUTHORITY_HOST"], disable_instance_discovery=True,
        connection_verify=settings["SERVICES_CA_BUNDLE"],
    )
    token = credential.get_token("https://service.powerapps.com/.default")
    claims = _claims(token.token)
    assert claims["aud"] == "https://service.powerapps.com" and claims["tid"] == ids.tenant
    session = requests.Session()
    session.trust_env = False
    response = session.get(f"{settings['BAP_BASE_URL']}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{ids.target_env}",
                           params={"api-version": "2023-06-01"}, headers={"Authorization": f"Bearer {token.token}"},
                           verify=settings["SERVICES_CA_BUNDLE"], timeout=10)
    assert response.status_code == 200


def test_msal_device_flow_caches_an_account_and_refreshes_silently(start_sandbox, ids, tmp_path):
    # Tokens of 120 s: msal treats less than 5 minutes left as expired, so the silent call must refresh.
    server = start_sandbox({"extends": "happy-path", "signIn": {"accessTokenLifetimeSeconds": 120}})
    settings = server.settings()
    session = requests.Session()
    session.verify = server.ca_cert_path
    session.trust_env = False

    def new_app(cache):
        return msal.PublicClientApplication(settings["LCS_CLIENT_ID"], authority=f"{settings['AZURE_AUTHORITY_HOST']}/{settings['AZURE_TENANT_ID']}",
                                            instance_discovery=False, http_client=session, token_cache=cache)

    cache = msal.SerializableTokenCache()
    app = new_app(cache)
    flow = app.initiate_device_flow(scopes=[ids.scopes["lcs"]])
    assert flow["user_code"] in flow["message"]
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result.get("error_description")
    assert _claims(result["access_token"])["upn"] == ids.operator

    cache_file = tmp_path / "lcs-cache.json"
    cache_file.write_text(cache.serialize())
    restored = msal.SerializableTokenCache()
    restored.deserialize(cache_file.read_text())
    later = new_app(restored)
    [account] = later.get_accounts()
    assert account["username"] == ids.operator
    silent = later.acquire_token_silent([ids.scopes["lcs"]], account=account)
    assert silent and silent["token_source"] == "identity_provider"
    grants = [c["path"] for c in server.calls() if c["service"] == "entra" and c["path"].endswith("/token")]
    assert len(grants) == 2  # the device code redemption, then the refresh

    lcs = session.get(f"{settings['LCS_BASE_URL']}/environmentinfo/v1/detail/project/{ids.project}/",
                      params={"environmentId": ids.lcs_env}, headers={"Authorization": f"Bearer {silent['access_token']}", "x-ms-version": "2017-09-15"},
                      timeout=10)
    assert lcs.status_code == 200 and lcs.json()["IsSuccess"] is True


@pytest.mark.parametrize("tenant", ["organizations", "contoso.onmicrosoft.com"])
def test_tenant_names_other_than_the_guid_resolve_to_the_tenant(client, ids, tenant):
    token = client.post(f"/{tenant}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": client.server.settings()["AZURE_CLIENT_ID"],
        "client_secret": client.server.settings()["AZURE_CLIENT_SECRET"], "scope": ids.scopes["graph"]}).json()["access_token"]
    assert _claims(token)["tid"] == ids.tenant
