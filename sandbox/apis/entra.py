"""An Entra-style token endpoint: openid configuration, client credentials, device code, refresh.

Enough of Microsoft identity platform v2 for msal and azure-identity to run unmodified. Errors carry
AADSTS codes in Entra's shape ({"error", "error_description", "error_codes", ...}).
"""
from __future__ import annotations

import base64
import time
import uuid
from datetime import datetime, timezone

from werkzeug.wrappers import Response

from sandbox.apis.base import Call, Service, route
from sandbox.faults import format_retry_after
from sandbox.model import User, normalize_guid
from sandbox.tokens import InvalidToken, client_info

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
_TENANT = r"/(?P<tenant>[A-Za-z0-9.-]+)"


def resource_of(scope: str) -> tuple[str, str]:
    """(resource, permission) of a scope: `https://lcsapi.lcs.dynamics.com//.default` -> (`https://lcsapi.lcs.dynamics.com`, `.default`)."""
    resource, _, permission = scope.rpartition("/")
    return resource.rstrip("/"), permission


class EntraApi(Service):
    name = "entra"
    prefix = ""
    routes = (
        route("GET", _TENANT + r"/v2\.0/\.well-known/openid-configuration", "openid_configuration"),
        route("GET", _TENANT + r"/discovery/v2\.0/keys", "keys"),
        route("POST", _TENANT + r"/oauth2/v2\.0/token", "token"),
        route("POST", _TENANT + r"/oauth2/v2\.0/devicecode", "device_code"),
    )

    # --- Entra's error shapes

    def oauth_error(self, call: Call, status: int, error: str, code: int, description: str,
                    headers: dict[str, str] | None = None) -> Response:
        trace_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
        timestamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        return self.json(call, {
            "error": error,
            "error_description": f"AADSTS{code}: {description} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {timestamp}",
            "error_codes": [code],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
        }, status, headers)

    def error(self, call: Call, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
        return self.oauth_error(call, status, "invalid_request", 900144 if status == 400 else 90002, message, headers)

    def not_found(self, call: Call) -> Response:
        return self.json(call, {"error": "not_found", "error_description": f"No endpoint at {call.request.path}."}, 404)

    def throttled(self, call: Call, retry_after: float) -> Response:
        return self.oauth_error(call, 429, "temporarily_unavailable", 50196, "The server is busy. Retry later.",
                                {"Retry-After": format_retry_after(retry_after)})

    def failure(self, call: Call, status: int) -> Response:
        return self.oauth_error(call, status, "server_error", 90033, "A transient error has occurred. Please try again.")

    # --- no bearer token here

    def authenticate(self, call: Call) -> Response | None:
        return None

    def _tenant(self, call: Call) -> str | None:
        """Tenant GUID for the tenant segment of the path: the scenario tenant by id or domain, or a user's home tenant."""
        segment = call.params["tenant"].lower()
        scenario = call.scenario
        if segment in ("organizations", "common", scenario.tenant.domain.lower()):
            return scenario.tenant.id
        tenant_id = normalize_guid(segment)
        return tenant_id if tenant_id in scenario.tenant_ids else None

    def _unknown_tenant(self, call: Call) -> Response:
        return self.oauth_error(call, 400, "invalid_request", 90002,
                                f"Tenant '{call.params['tenant']}' not found. Check to make sure you have the correct tenant ID.")

    # --- routes

    def openid_configuration(self, call: Call) -> Response:
        tenant_id = self._tenant(call)
        if tenant_id is None:
            return self._unknown_tenant(call)
        base = f"{call.sandbox.base_url}/{tenant_id}"
        return self.json(call, {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["HS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": call.sandbox.tokens.issuer(tenant_id),
            "request_uri_parameter_supported": False,
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "name", "oid", "tid", "preferred_username", "upn"],
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
            "msgraph_host": "graph.microsoft.com",
        })

    def keys(self, call: Call) -> Response:
        # Tokens are HS256 with a sandbox-local secret: there is no public key to publish.
        return self.json(call, {"keys": []})

    def device_code(self, call: Call) -> Response:
        tenant_id = self._tenant(call)
        if tenant_id is None:
            return self._unknown_tenant(call)
        form = call.request.form
        app = call.scenario.applications.get(normalize_guid(form.get("client_id", "")))
        if app is None:
            return self._unknown_client(call, form.get("client_id", ""))
        if not app.public_client:
            return self.oauth_error(call, 401, "invalid_client", 7000218,
                                    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
        scope = form.get("scope", "")
        problem = self._resource_problem(call, scope)
        if problem is not None:
            return problem
        code = call.world.new_device_code(app.client_id, scope, tenant_id)
        verification_uri = f"{call.sandbox.base_url}/_sandbox/devicelogin"
        return self.json(call, {
            "user_code": code.user_code,
            "device_code": code.device_code,
            "verification_uri": verification_uri,
            "expires_in": int(code.expires_at - time.time()),
            "interval": call.scenario.sign_in.poll_interval_seconds,
            "message": f"To sign in, use a web browser to open the page {verification_uri} and enter the code {code.user_code} to authenticate.",
        })

    def token(self, call: Call) -> Response:
        tenant_id = self._tenant(call)
        if tenant_id is None:
            return self._unknown_tenant(call)
        grant = call.request.form.get("grant_type", "")
        if grant == "client_credentials":
            return self._client_credentials(call, tenant_id)
        if grant == DEVICE_CODE_GRANT:
            return self._device_code_grant(call)
        if grant == "refresh_token":
            return self._refresh(call)
        return self.oauth_error(call, 400, "unsupported_grant_type", 70003,
                                f"The app requested an unsupported grant type '{grant}'.")

    # --- grants

    def _client_credentials(self, call: Call, tenant_id: str) -> Response:
        client_id, secret = self._client_credentials_of(call)
        app = call.scenario.applications.get(normalize_guid(client_id))
        if app is None:
            return self._unknown_client(call, client_id)
        if not app.client_secret or secret != app.client_secret:
            return self.oauth_error(call, 401, "invalid_client", 7000215,
                                    f"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{app.client_id}'.")
        scope = call.request.form.get("scope", "")
        if not scope.endswith("/.default") or len(scope.split()) != 1:
            return self.oauth_error(call, 400, "invalid_scope", 1002012,
                                    f"The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")
        problem = self._resource_problem(call, scope)
        if problem is not None:
            return problem
        lifetime = call.scenario.sign_in.access_token_lifetime_seconds
        token = call.sandbox.tokens.app_token(
            audience=resource_of(scope)[0], tenant_id=tenant_id, client_id=app.client_id,
            object_id=app.object_id, roles=app.roles, lifetime=lifetime,
        )
        return self.json(call, {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime,
                                "access_token": token})

    def _client_credentials_of(self, call: Call) -> tuple[str, str | None]:
        header = call.request.headers.get("Authorization", "")
        if header.lower().startswith("basic "):
            decoded = base64.b64decode(header[6:]).decode()
            client_id, _, secret = decoded.partition(":")
            return client_id, secret
        return call.request.form.get("client_id", ""), call.request.form.get("client_secret")

    def _device_code_grant(self, call: Call) -> Response:
        form = call.request.form
        code = call.world.device_code(form.get("device_code", ""))
        if code is None or code.client_id != normalize_guid(form.get("client_id", "")):
            return self.oauth_error(call, 400, "invalid_grant", 70000,
                                    "Provided grant is invalid or malformed.")
        if time.time() > code.expires_at:
            call.world.redeem_device_code(code.device_code)
            return self.oauth_error(call, 400, "expired_token", 70020,
                                    "The provided value for the input parameter 'device_code' is not valid. This device code has expired.")
        if code.approved_upn is None:
            return self.oauth_error(call, 400, "authorization_pending", 70016,
                                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
        user = call.scenario.user(code.approved_upn)
        call.world.redeem_device_code(code.device_code)
        return self._user_tokens(call, user, code.client_id, code.scope)

    def _refresh(self, call: Call) -> Response:
        form = call.request.form
        try:
            claims = call.sandbox.tokens.verify_refresh(form.get("refresh_token", ""))
        except InvalidToken as error:
            return self.oauth_error(call, 400, "invalid_grant", 9002313, f"Invalid request. The refresh token is invalid: {error}.")
        client_id = normalize_guid(form.get("client_id", ""))
        user = call.scenario.user(claims["oid"])
        if claims["client_id"] != client_id or user is None:
            return self.oauth_error(call, 400, "invalid_grant", 70000, "Provided grant is invalid or malformed.")
        scope = form.get("scope", "")
        problem = self._resource_problem(call, scope)
        if problem is not None:
            return problem
        return self._user_tokens(call, user, client_id, scope)

    def _user_tokens(self, call: Call, user: User, client_id: str, scope: str) -> Response:
        tokens = call.sandbox.tokens
        lifetime = call.scenario.sign_in.access_token_lifetime_seconds
        requested = [s for s in scope.split() if s not in RESERVED_SCOPES]
        resource, permission = resource_of(requested[0])
        return self.json(call, {
            "token_type": "Bearer",
            "scope": " ".join(requested + ["openid", "profile", "offline_access"]),
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": tokens.user_token(
                audience=resource, tenant_id=user.tenant_id, client_id=client_id, object_id=user.object_id,
                upn=user.upn, name=user.display_name,
                scope="user_impersonation" if permission == ".default" else permission, lifetime=lifetime,
            ),
            "refresh_token": tokens.refresh_token(tenant_id=user.tenant_id, client_id=client_id, object_id=user.object_id),
            "id_token": tokens.id_token(tenant_id=user.tenant_id, client_id=client_id, object_id=user.object_id,
                                        upn=user.upn, name=user.display_name, lifetime=lifetime),
            "client_info": client_info(user.object_id, user.tenant_id),
        })

    # --- checks shared by the grants

    def _unknown_client(self, call: Call, client_id: str) -> Response:
        return self.oauth_error(call, 400, "unauthorized_client", 700016,
                                f"Application with identifier '{client_id}' was not found in the directory '{call.scenario.tenant.domain}'.")

    def _resource_problem(self, call: Call, scope: str) -> Response | None:
        """Exactly one resource, and one this sandbox serves; else Entra's invalid_scope / invalid_resource."""
        resources = {resource_of(s)[0] for s in scope.split() if s not in RESERVED_SCOPES}
        if len(resources) != 1:
            return self.oauth_error(call, 400, "invalid_scope", 28000,
                                    "Provided value for the input parameter scope is not valid because it contains more than one resource." if resources
                                    else "The provided value for the input parameter 'scope' is not valid.")
        resource = resources.pop()
        if resource not in call.sandbox.known_audiences():
            return self.oauth_error(call, 400, "invalid_resource", 500011,
                                    f"The resource principal named {resource} was not found in the tenant named {call.scenario.tenant.domain}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.")
        return None

