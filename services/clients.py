"""The entry point activities use: one `ServiceClients` per process, building each client on first
use with the shared HTTP policy, the right token per service and that service's host allow-list."""

from __future__ import annotations

import functools
import threading
import time
from typing import Any, Callable, TypeVar
from urllib.parse import urlsplit

from services.application_packages import ApplicationPackagesClient
from services.bap import BapClient
from services.dataverse import ODATA_HEADERS, DataverseClient
from services.errors import HostNotAllowed, TokenUnavailable
from services.graph import GraphClient
from services.http import HostAllowList, HttpPolicy
from services.identity import (
    BAP_SCOPE,
    GRAPH_SCOPE,
    POWERPLATFORM_API_SCOPE,
    AppTokenProvider,
    LcsTokenProvider,
    dataverse_scope,
)
from services.lcs import API_VERSION as LCS_API_VERSION
from services.lcs import LcsClient, ProjectRateLimiter
from services.powerplatform import PowerPlatformClient
from services.retry import Clock, Sleep
from services.settings import ServiceSettings
from services.tokencache import token_cache_store

T = TypeVar("T")


class SingleFlightTokens:
    """App tokens fetched at most once at a time per scope: activities running together in this
    process (two Dataverse facts, three BAP facts) wait for the first fetch of a scope and then read
    the credential's cache, instead of each asking Entra. Different scopes still go out together."""

    def __init__(self, provider: AppTokenProvider):
        self._provider = provider
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def token(self, scope: str, *, service: str = "entra") -> str:
        with self._lock:
            flight = self._locks.setdefault(scope.lower(), threading.Lock())
        with flight:
            return self._provider.token(scope, service=service)

    def credential(self) -> Any:
        """The one azure-identity credential behind these tokens (the LCS token cache's blob uses it too)."""
        return self._provider.credential()

    def __repr__(self) -> str:
        return f"SingleFlightTokens({self._provider!r})"


class ServiceClients:
    def __init__(self, settings: ServiceSettings, *, sleep: Sleep = time.sleep, clock: Clock = time.time):
        self.settings = settings
        self._policy = HttpPolicy.from_settings(settings, sleep=sleep, clock=clock)
        self._app_tokens = SingleFlightTokens(AppTokenProvider(settings))
        self._lcs_tokens: LcsTokenProvider | None = None
        # Shared by every LcsClient of this process: the limit is per project, not per operator.
        self._lcs_limiter = ProjectRateLimiter(settings.lcs_metadata_calls_per_minute, sleep=sleep, clock=clock)
        self._built: dict[tuple[str, str], object] = {}
        self._lock = threading.RLock()

    def lcs(self, account_upn: str) -> LcsClient:
        """LCS as the operator `account_upn` (delegated; signed in beforehand with `lcs_sign_in`)."""
        def build() -> LcsClient:
            tokens = self._lcs_token_provider()
            http = self._policy.service("lcs", HostAllowList(self.settings.lcs_allowed_hosts, "LCS_ALLOWED_HOSTS"),
                                        lambda: tokens.token(account_upn),
                                        headers={"x-ms-version": LCS_API_VERSION},
                                        before_retry=self._lcs_limiter.count_retry)
            return LcsClient(http, self.settings.lcs_base_url, account_upn, self._lcs_limiter, tokens.account)
        return self._once("lcs", account_upn.lower(), build)

    @property
    def bap(self) -> BapClient:
        return self._once("bap", "", lambda: BapClient(
            self._app_service("bap", BAP_SCOPE, self.settings.bap_allowed_hosts, "BAP_ALLOWED_HOSTS"),
            self.settings.bap_base_url))

    @property
    def powerplatform(self) -> PowerPlatformClient:
        return self._once("powerplatform", "", lambda: PowerPlatformClient(
            self._powerplatform_http(), self.settings.powerplatform_api_base_url))

    @property
    def application_packages(self) -> ApplicationPackagesClient:
        """Power Platform API appmanagement (setupMode unified): the same service as .powerplatform."""
        return self._once("application_packages", "", lambda: ApplicationPackagesClient(
            self._powerplatform_http(), self.settings.powerplatform_api_base_url))

    def _powerplatform_http(self):
        return self._once("powerplatform_http", "", lambda: self._app_service(
            "powerplatform", POWERPLATFORM_API_SCOPE, self.settings.powerplatform_api_allowed_hosts,
            "POWERPLATFORM_API_ALLOWED_HOSTS"))

    @property
    def graph(self) -> GraphClient:
        return self._once("graph", "", lambda: GraphClient(
            self._app_service("graph", GRAPH_SCOPE, self.settings.graph_allowed_hosts, "GRAPH_ALLOWED_HOSTS"),
            self.settings.graph_base_url))

    def dataverse(self, instance_url: str) -> DataverseClient:
        """The Dataverse of `instance_url` (as BAP reports it). HostNotAllowed, before any token is
        requested, when its host is not on DATAVERSE_ALLOWED_HOSTS: the URL came from an API answer."""
        instance_url = instance_url.strip().rstrip("/")
        allow_list = HostAllowList(self.settings.dataverse_allowed_hosts, "DATAVERSE_ALLOWED_HOSTS")
        allow_list.check("dataverse", instance_url)
        if urlsplit(instance_url).query or urlsplit(instance_url).fragment:
            raise HostNotAllowed("dataverse", urlsplit(instance_url).hostname or "",
                                 reason="a Dataverse instance URL carries no query or fragment")
        return self._once("dataverse", instance_url.lower(), lambda: DataverseClient(
            self._app_service("dataverse", dataverse_scope(instance_url), self.settings.dataverse_allowed_hosts,
                              "DATAVERSE_ALLOWED_HOSTS", headers=ODATA_HEADERS),
            instance_url))

    def prefetch_dataverse_token(self, instance_url: str) -> None:
        """Start fetching the Dataverse token of `instance_url` in the background, as soon as the
        URL is known: the Dataverse facts that follow in this process wait for that fetch (single
        flight) instead of starting their own. Nothing happens for a URL off the allow-list; a
        failure is left for those facts to meet and report."""
        try:
            self.dataverse(instance_url)
        except HostNotAllowed:
            return
        self._prefetch(dataverse_scope(instance_url.strip().rstrip("/")), "dataverse")

    def prefetch_app_tokens(self) -> list[threading.Thread]:
        """Start fetching, in the background, the app tokens every validation asks for. The
        credential is built here first (importing azure-identity), so that the requests go out
        together rather than each after its share of that import."""
        self._app_tokens.credential()
        return [self._prefetch(scope, service) for scope, service in
                ((GRAPH_SCOPE, "graph"), (BAP_SCOPE, "bap"), (POWERPLATFORM_API_SCOPE, "powerplatform"))]

    def prefetch_lcs_sign_in(self) -> threading.Thread:
        """Start reading the LCS token cache and discovering its authority in the background, so
        that the first LCS call asks only for its token (see LcsTokenProvider.prepare)."""
        return _in_background("lcs-sign-in-prefetch", lambda: self._lcs_token_provider().prepare())

    def _prefetch(self, scope: str, service: str) -> threading.Thread:
        return _in_background("token-prefetch", lambda: self._app_tokens.token(scope, service=service))

    def _app_service(self, service: str, scope: str, hosts: tuple[str, ...], setting: str,
                     headers: dict[str, str] | None = None):
        tokens = self._app_tokens
        return self._policy.service(service, HostAllowList(hosts, setting),
                                    lambda: tokens.token(scope, service=service), headers=headers)

    def _lcs_token_provider(self) -> LcsTokenProvider:
        with self._lock:
            if self._lcs_tokens is None:
                store = token_cache_store(self.settings, self._app_tokens.credential)  # one credential, one token cache
                self._lcs_tokens = LcsTokenProvider(self.settings, store)
            return self._lcs_tokens

    def _once(self, kind: str, key: str, build: Callable[[], T]) -> T:
        with self._lock:
            if (kind, key) not in self._built:
                self._built[(kind, key)] = build()
            return self._built[(kind, key)]  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"ServiceClients({self.settings!r})"


def _in_background(name: str, fetch: Callable[[], object]) -> threading.Thread:
    def run() -> None:
        try:
            fetch()
        except TokenUnavailable:
            pass  # left for the call that needs it to meet and report
    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


@functools.lru_cache(maxsize=1)
def get_clients() -> ServiceClients:
    """One ServiceClients per process, from the environment (tokens are cached inside it).
    `get_clients.cache_clear()` forgets it, e.g. after tests change the environment."""
    return ServiceClients(ServiceSettings.from_env())
