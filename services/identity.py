"""Tokens: app-only through azure-identity for Graph, BAP, the Power Platform API and Dataverse;
delegated through msal for Lifecycle Services, which accepts nothing else.

azure.identity and msal are imported inside the functions that need them: importing function_app
must stay cheap (cold starts on the Consumption plan). Authority host, instance discovery and the CA
bundle come from settings, so the local sandbox is configuration and not a code branch.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import requests

from services.errors import TokenUnavailable
from services.http import HttpPolicy, make_session, redact
from services.models import LcsAccount
from services.retry import RETRY_STATUSES
from services.settings import ServiceSettings
from services.tokencache import TokenCacheStore, token_cache_store
from domain.values import guid_or_text

if TYPE_CHECKING:
    import msal

log = logging.getLogger(__name__)

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
BAP_SCOPE = "https://service.powerapps.com/.default"
POWERPLATFORM_API_SCOPE = "https://api.powerplatform.com/.default"
# The double slash is how Microsoft's LCS documentation spells the scope of resource 913c6de4-...
LCS_SCOPE = "https://lcsapi.lcs.dynamics.com//.default"
LCS_RESOURCE_APP_ID = "913c6de4-2a4a-4a61-a9ce-945d2b2ce2e0"

_APP_REMEDY = ("Check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or "
               "AZURE_CLIENT_CERTIFICATE_PATH (or the Function App's managed identity), and that "
               "AZURE_AUTHORITY_HOST is reachable.")


def dataverse_scope(instance_url: str) -> str:
    return instance_url.rstrip("/") + "/.default"


def lcs_login_remedy(account_upn: str | None) -> str:
    account = f" --account {account_upn}" if account_upn else ""
    return f"Run `python -m cli login{account}` to sign in to Lifecycle Services."


class AppTokenProvider:
    """App-only tokens. ClientSecretCredential or CertificateCredential when the settings carry a
    secret or a certificate, DefaultAzureCredential (managed identity in Azure) otherwise. The
    credential caches tokens itself; it is built on first use."""

    def __init__(self, settings: ServiceSettings):
        self._settings = settings
        self._credential: Any = None
        self._lock = threading.Lock()

    def token(self, scope: str, *, service: str = "entra") -> str:
        from azure.core.exceptions import AzureError

        try:
            return self.credential().get_token(scope).token
        except (AzureError, ValueError) as exc:
            message = redact(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
            raise TokenUnavailable(service, f"no app token for {scope}: {message[:500]}", _APP_REMEDY,
                                   transient=_transient_azure_error(exc)) from None

    def credential(self) -> Any:
        with self._lock:
            if self._credential is None:
                self._credential = self._build()
            return self._credential

    def _build(self) -> Any:
        import azure.identity as identity

        s = self._settings
        options: dict[str, Any] = {
            "authority": s.authority_host,
            "disable_instance_discovery": s.disable_instance_discovery,
            # azure-core also caps each kind of retry (status: 3) below the total: give every kind the
            # same budget as the other services' calls.
            "retry_total": s.http_max_retries,
            "retry_status": s.http_max_retries,
            "retry_connect": s.http_max_retries,
            "retry_read": s.http_max_retries,
            "connection_timeout": s.http_timeout_seconds,
            "read_timeout": s.http_timeout_seconds,
        }
        if s.ca_bundle:
            options["connection_verify"] = s.ca_bundle
        if s.tenant_id and s.client_id and s.client_secret:
            return identity.ClientSecretCredential(s.tenant_id, s.client_id, s.client_secret, **options)
        if s.tenant_id and s.client_id and s.client_certificate_path:
            return identity.CertificateCredential(s.tenant_id, s.client_id, s.client_certificate_path,
                                                  password=s.client_certificate_password, **options)
        if s.client_id:
            options["managed_identity_client_id"] = s.client_id
        return identity.DefaultAzureCredential(**options)

    def __repr__(self) -> str:
        return "AppTokenProvider()"


@dataclass(frozen=True)
class DeviceCodePrompt:
    """What the person signing in must do; `message` is Entra's own sentence saying it."""
    message: str
    user_code: str
    verification_uri: str
    expires_in: int | None


class LcsTokenProvider:
    """Delegated LCS tokens from the persisted msal cache, refreshed silently. It never prompts:
    when the cache cannot produce a token, TokenUnavailable says which command fills it."""

    def __init__(self, settings: ServiceSettings, cache: TokenCacheStore):
        self._settings = settings
        self._store = cache
        self._lock = threading.Lock()
        self._app: Any = None
        self._cache: Any = None
        self._loaded: str | None = None

    def token(self, account_upn: str) -> str:
        with self._lock:
            account = self._account(account_upn)
            result = _msal_call(lambda: self._app.acquire_token_silent_with_error([LCS_SCOPE], account),
                                account_upn)
            self._save_if_changed()
        if result and "access_token" in result:
            return result["access_token"]
        reason = redact((result or {}).get("error_description") or (result or {}).get("error")
                        or "no usable token or refresh token is cached")
        raise TokenUnavailable("lcs", f"the Lifecycle Services sign-in of {account_upn} cannot be "
                                      f"renewed silently: {reason.splitlines()[0][:300]}",
                               lcs_login_remedy(account_upn))

    def prepare(self) -> None:
        """Read the cache and build the msal application (its authority discovery, one openid
        configuration request) ahead of the first call, when the cache holds any sign-in at all;
        no token is asked for. TokenUnavailable as the first call would raise it."""
        import msal

        with self._lock:
            self._ensure_cache()
            if self._app is None and next(self._cache.search(msal.TokenCache.CredentialType.ACCOUNT), None):
                self._app = _msal_call(lambda: _public_app(self._settings, self._cache, None), None)

    def account(self, account_upn: str) -> LcsAccount:
        with self._lock:
            return _to_account(self._account(account_upn))

    def _account(self, account_upn: str) -> dict[str, Any]:
        self._ensure_cache()
        if not self._cached(account_upn):
            # Another process (the sign-in command) may have filled the store since we last read it.
            self._reload()
        if not self._cached(account_upn):
            # Said without contacting anyone: there is nothing to refresh.
            raise TokenUnavailable("lcs", f"no Lifecycle Services sign-in of {account_upn} is cached "
                                          f"({self._store.description})", lcs_login_remedy(account_upn))
        if self._app is None:
            self._app = _msal_call(lambda: _public_app(self._settings, self._cache, account_upn), account_upn)
        accounts = self._app.get_accounts(username=account_upn)
        if not accounts:
            raise TokenUnavailable("lcs", f"the cached sign-in of {account_upn} was made against another "
                                          f"authority than {self._settings.authority_host}",
                                   lcs_login_remedy(account_upn))
        return accounts[0]

    def _ensure_cache(self) -> None:
        if self._cache is None:
            import msal

            self._cache = msal.SerializableTokenCache()
            self._reload()

    def _cached(self, account_upn: str) -> bool:
        import msal

        wanted = account_upn.lower()
        return any((entry.get("username") or "").lower() == wanted
                   for entry in self._cache.search(msal.TokenCache.CredentialType.ACCOUNT))

    def _reload(self) -> None:
        data = self._store.load()
        if data and data != self._loaded:
            self._cache.deserialize(data)
            self._loaded = data

    def _save_if_changed(self) -> None:
        if self._cache.has_state_changed:
            data = self._cache.serialize()
            self._store.save(data)
            self._loaded = data
            self._cache.has_state_changed = False

    def __repr__(self) -> str:
        return f"LcsTokenProvider({self._store.description})"


def lcs_sign_in(settings: ServiceSettings, account_hint: str | None,
                on_prompt: Callable[[DeviceCodePrompt], None],
                store: TokenCacheStore | None = None) -> LcsAccount:
    """Device-code sign-in to Lifecycle Services; saves the cache for LcsTokenProvider to use.

    `on_prompt` shows the person the code and the address to enter it at. When `account_hint` is
    given, signing in as anyone else fails and nothing is saved.
    """
    import msal

    store = store or token_cache_store(settings)
    cache = msal.SerializableTokenCache()
    existing = store.load()
    if existing:
        cache.deserialize(existing)  # keep the other accounts already signed in
    app = _msal_call(lambda: _public_app(settings, cache, account_hint), account_hint)
    flow = _msal_call(lambda: app.initiate_device_flow(scopes=[LCS_SCOPE]), account_hint)
    if "user_code" not in flow:
        raise TokenUnavailable("lcs", "the device code sign-in could not start: "
                               + redact(str(flow.get("error_description") or flow.get("error"))),
                               "Check LCS_CLIENT_ID (a public client allowed to use the device code flow).",
                               operation="sign in")
    on_prompt(DeviceCodePrompt(flow.get("message") or f"Enter {flow['user_code']} at {flow['verification_uri']}",
                               flow["user_code"], flow["verification_uri"], flow.get("expires_in")))
    result = _msal_call(lambda: app.acquire_token_by_device_flow(flow), account_hint)
    if "access_token" not in result:
        raise TokenUnavailable("lcs", "the sign-in did not complete: "
                               + redact(str(result.get("error_description") or result.get("error"))),
                               lcs_login_remedy(account_hint), operation="sign in")
    claims = result.get("id_token_claims") or {}
    upn = claims.get("preferred_username") or claims.get("upn") or ""
    if account_hint and upn.lower() != account_hint.lower():
        raise TokenUnavailable("lcs", f"signed in as {upn or 'an unknown account'}, not {account_hint}; "
                                      "nothing was saved", lcs_login_remedy(account_hint), operation="sign in")
    store.save(cache.serialize())
    return LcsAccount(upn=upn, tenant_id=guid_or_text(claims.get("tid")),
                      object_id=guid_or_text(claims.get("oid")))


def _public_app(settings: ServiceSettings, cache: Any, account_upn: str | None) -> "msal.PublicClientApplication":
    import msal

    if not settings.lcs_client_id:
        raise TokenUnavailable("lcs", "LCS_CLIENT_ID is not set",
                               "Set LCS_CLIENT_ID to the public client registered for Lifecycle Services "
                               f"(delegated user_impersonation on {LCS_RESOURCE_APP_ID}).")
    # Without a tenant, "organizations" lets the operator's home tenant decide.
    authority = f"{settings.authority_host}/{settings.tenant_id or 'organizations'}"
    return msal.PublicClientApplication(
        settings.lcs_client_id, authority=authority, token_cache=cache,
        # The same retry policy as every other call (msal's own session has none).
        http_client=make_session(settings.ca_bundle, settings.http_timeout_seconds,
                                 HttpPolicy.from_settings(settings).retry()),
        instance_discovery=not settings.disable_instance_discovery)


def _transient_azure_error(exc: Exception) -> bool:
    """Network failures and throttling or server errors of the token endpoint pass; a refused secret does not."""
    from azure.core.exceptions import ServiceRequestError, ServiceResponseError

    if isinstance(exc, (ServiceRequestError, ServiceResponseError)):
        return True
    status = getattr(getattr(exc, "response", None), "status_code", None)
    return status in RETRY_STATUSES


def _msal_call(call: Callable[[], Any], account_upn: str | None) -> Any:
    """msal raises on network failures, on authority validation and on error answers from the sign-in
    service (MsalServiceError): all of them mean no token."""
    from msal.exceptions import MsalError

    try:
        return call()
    except TokenUnavailable:
        raise
    except (requests.RequestException, ValueError, MsalError) as exc:
        raise TokenUnavailable("lcs", f"the sign-in service could not be reached: "
                                      f"{redact(str(exc))[:300]}", lcs_login_remedy(account_upn),
                               transient=True) from None


def _to_account(account: dict[str, Any]) -> LcsAccount:
    return LcsAccount(upn=account.get("username") or "", tenant_id=guid_or_text(account.get("realm")),
                      object_id=guid_or_text(account.get("local_account_id")))
