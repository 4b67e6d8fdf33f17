"""The one HTTP policy every service client shares.

- Timeouts on every call.
- Retries (urllib3's Retry, inside the connection pool; services/retry.py) on 408, 425, 429, 500, 502,
  503, 504, with exponential backoff plus jitter, honouring Retry-After in (fractional) seconds or as an
  HTTP date. Waits go through an injected `sleep`, so tests see what was requested without waiting.
- Mutating calls go through a session that never retries: the caller reads state before trying again.
- A bearer token is added only for a host on the service's allow-list, over HTTPS; otherwise the call
  fails with HostNotAllowed before any token is requested.
- Answers other than 2xx become typed ServiceErrors carrying the service's own code and message.
- No redirects are followed: a token must not travel to wherever a Location header points.
"""

from __future__ import annotations

import logging
import random
import re
import time
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util.retry import Retry

from services import telemetry
from services.errors import (
    HostNotAllowed,
    NotFound,
    PermissionDenied,
    ServiceError,
    ServiceUnavailable,
    Throttled,
)
from services.odata import with_query
from services.retry import (
    BACKOFF_FACTOR_SECONDS,
    BACKOFF_MAX_SECONDS,
    RETRY_STATUSES,
    Clock,
    PolicyRetry,
    Sleep,
    parse_retry_after,
)

if TYPE_CHECKING:
    from services.settings import ServiceSettings

log = logging.getLogger(__name__)

_PAGE_LIMIT = 1000


class HostAllowList:
    """Host patterns, exact (`graph.microsoft.com`) or wildcard (`*.dynamics.com`, which matches one
    or more labels in front of dynamics.com but not dynamics.com itself). Ports are ignored."""

    def __init__(self, patterns: tuple[str, ...], setting: str):
        self.patterns = tuple(p.strip().lower().rstrip(".") for p in patterns if p.strip())
        self.setting = setting

    def allows(self, host: str | None) -> bool:
        if not host:
            return False
        host = host.lower().rstrip(".")
        for pattern in self.patterns:
            if pattern.startswith("*."):
                if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                    return True
            elif host == pattern:
                return True
        return False

    def check(self, service: str, url: str) -> None:
        """Raise HostNotAllowed unless a token may be sent to `url`."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme != "https":
            raise HostNotAllowed(service, host, reason=f"refusing to send a {service} token over "
                                                       f"{parts.scheme or 'no scheme'}: {host!r} must be https")
        if not self.allows(host):
            raise HostNotAllowed(service, host, reason=(
                f"host {host!r} is not on the {service} allow-list ({self.setting}="
                f"{','.join(self.patterns)}); no token was requested or sent"))


class BearerAuth(requests.auth.AuthBase):
    """Adds the bearer token only after the request's own URL passed the allow-list, so the token is
    never even requested for a host off the list. Holds no token itself."""

    def __init__(self, service: str, allow_list: HostAllowList, token: Callable[[], str]):
        self._service = service
        self._allow_list = allow_list
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        self._allow_list.check(self._service, request.url or "")
        request.headers["Authorization"] = f"Bearer {self._token()}"
        return request

    def __repr__(self) -> str:
        return f"BearerAuth(service={self._service!r})"


class PinnedSession(requests.Session):
    """A Session whose own `verify` wins (requests otherwise lets REQUESTS_CA_BUNDLE, set machine-wide
    on some hosts, override session.verify; passing it per call keeps trust_env, hence proxies) and
    that never waits forever (msal calls it without a timeout of its own)."""

    def __init__(self, ca_bundle: str | None, timeout: float):
        super().__init__()
        self.verify = ca_bundle or True
        self.timeout = timeout

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("verify", self.verify)
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().request(method, url, *args, **kwargs)


def make_session(ca_bundle: str | None, timeout: float, retry: Retry | None = None) -> requests.Session:
    session = PinnedSession(ca_bundle, timeout)
    if retry is not None:
        adapter = HTTPAdapter(max_retries=retry)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
    return session


class HttpPolicy:
    """What every client shares: timeout, retry budget, CA trust and the injected sleep/clock."""

    def __init__(self, *, timeout: float = 30.0, max_retries: int = 5, ca_bundle: str | None = None,
                 sleep: Sleep = time.sleep, clock: Clock = time.time,
                 rng: Callable[[], float] = random.random):
        self.timeout = timeout
        self.max_retries = max_retries
        self.ca_bundle = ca_bundle
        self.sleep = sleep
        self.clock = clock
        self.rng = rng

    @classmethod
    def from_settings(cls, settings: "ServiceSettings", *, sleep: Sleep = time.sleep,
                      clock: Clock = time.time) -> "HttpPolicy":
        return cls(timeout=settings.http_timeout_seconds, max_retries=settings.http_max_retries,
                   ca_bundle=settings.ca_bundle, sleep=sleep, clock=clock)

    def retry(self, before_retry: Callable[[str], None] | None = None) -> PolicyRetry:
        return PolicyRetry(
            total=self.max_retries, connect=self.max_retries, read=self.max_retries,
            status=self.max_retries, other=0, redirect=0,
            # Only read-only calls reach this session, including BAP's POST listTenantSettings.
            allowed_methods=None,
            status_forcelist=RETRY_STATUSES, backoff_factor=BACKOFF_FACTOR_SECONDS,
            backoff_max=BACKOFF_MAX_SECONDS, raise_on_status=False, raise_on_redirect=False,
            respect_retry_after_header=True, sleep=self.sleep, clock=self.clock, rng=self.rng,
            before_retry=before_retry)

    def service(self, service: str, allow_list: HostAllowList, token: Callable[[], str],
                headers: Mapping[str, str] | None = None,
                before_retry: Callable[[str], None] | None = None) -> "ServiceHttp":
        """`before_retry(url)` runs before each retry (after the wait), e.g. to count it against a limit."""
        return ServiceHttp(service, self, allow_list, token, headers or {}, before_retry)


class ServiceHttp:
    """Calls to one service: a retrying session for reads, a non-retrying one for mutations."""

    def __init__(self, service: str, policy: HttpPolicy, allow_list: HostAllowList,
                 token: Callable[[], str], headers: Mapping[str, str],
                 before_retry: Callable[[str], None] | None = None):
        self.service = service
        self._policy = policy
        self._auth = BearerAuth(service, allow_list, token)
        self._headers = {"Accept": "application/json", **headers}
        self._reads = make_session(policy.ca_bundle, policy.timeout, policy.retry(before_retry))
        self._writes = make_session(policy.ca_bundle, policy.timeout, Retry(total=0, redirect=0, raise_on_status=False))

    def request(self, operation: str, method: str, url: str, *, params: Mapping[str, object] | None = None,
                json: Any = None, data: bytes | None = None, headers: Mapping[str, str] | None = None,
                idempotent: bool = True) -> requests.Response:
        session = self._reads if idempotent else self._writes
        full_url = with_query(url, params)
        with telemetry.service_call(self.service, operation, method, urlsplit(full_url).hostname) as span:
            try:
                response = session.request(
                    method, full_url, json=json, data=data, headers={**self._headers, **(headers or {})},
                    auth=self._auth, timeout=self._policy.timeout, allow_redirects=False)
            except requests.RequestException as exc:
                span.status("Timeout" if _is_timeout(exc) else "ConnectionFailed")
                if _is_timeout(exc):
                    raise ServiceUnavailable(self.service, operation, None, "Timeout",
                                             f"no answer within {self._policy.timeout:g}s") from None
                raise ServiceUnavailable(self.service, operation, None, "ConnectionFailed",
                                         _describe_connection_error(exc)) from None
            span.status(str(response.status_code), **{"http.response.status_code": response.status_code})
        log.debug("%s %s %s -> %s", self.service, operation, method, response.status_code)
        if not 200 <= response.status_code < 300:
            raise error_from_response(self.service, operation, response, self._policy.clock)
        return response

    def get_json(self, operation: str, url: str, **kwargs: Any) -> Any:
        return read_json(self.service, operation, self.request(operation, "GET", url, **kwargs))

    def post_json(self, operation: str, url: str, *, idempotent: bool, **kwargs: Any) -> Any:
        return read_json(self.service, operation,
                         self.request(operation, "POST", url, idempotent=idempotent, **kwargs))

    def get_items(self, operation: str, url: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Items of `value`, following @odata.nextLink (and BAP's nextLink) to the last page."""
        seen: set[str] = set()
        page = self.get_json(operation, url, **kwargs)
        while True:
            if not isinstance(page, dict) or not isinstance(page.get("value"), list):
                raise ServiceError(self.service, operation, None, "UnexpectedResponse",
                                   "the answer has no 'value' list")
            yield from (item for item in page["value"] if isinstance(item, dict))
            next_link = page.get("@odata.nextLink") or page.get("nextLink")
            if not next_link:
                return
            if next_link in seen or len(seen) >= _PAGE_LIMIT:
                raise ServiceError(self.service, operation, None, "UnexpectedResponse",
                                   "paging does not end (a nextLink repeats)")
            seen.add(next_link)
            page = self.get_json(operation, next_link, headers=kwargs.get("headers"))


def read_json(service: str, operation: str, response: requests.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise ServiceError(service, operation, response.status_code, "UnexpectedResponse",
                           "the answer is not JSON") from None


def error_from_response(service: str, operation: str, response: requests.Response,
                        clock: Clock = time.time) -> ServiceError:
    code, message = read_error(response)
    status = response.status_code
    args = (service, operation, status, code, message)
    if status == 404:
        return NotFound(*args)
    if status in (401, 403):
        return PermissionDenied(*args)
    if status == 429:
        retry_after = None
        if "Retry-After" in response.headers:
            try:
                retry_after = parse_retry_after(response.headers["Retry-After"], clock)
            except ValueError:
                pass
        return Throttled(*args, retry_after=retry_after)
    if status == 408 or status >= 500:
        return ServiceUnavailable(*args)
    return ServiceError(*args)


def read_error(response: requests.Response) -> tuple[str | None, str]:
    """The service's own (code, message): Dataverse/BAP/Graph `error.{code,message}`, Entra's
    `error`/`error_description`, LCS's `ErrorMessage`; otherwise the start of the body."""
    code, message = error_of(_json_or_none(response), response.text, response.reason or "")
    # Azure Storage answers in XML and names its error in a header.
    xml_message = re.search(r"<Message>(.*?)</Message>", response.text or "", re.DOTALL)
    if xml_message:
        message = redact(xml_message.group(1).strip().splitlines()[0])
    return code or response.headers.get("x-ms-error-code"), message


def error_of(body: Any, text: str = "", fallback: str = "") -> tuple[str | None, str]:
    code: str | None = None
    message: str | None = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            code = _text(error.get("code"))
            message = _text(error.get("message"))
        elif isinstance(error, str):
            code, message = error, _text(body.get("error_description"))
        message = message or _text(body.get("ErrorMessage")) or _text(body.get("message")) \
            or _text(body.get("Message"))
    if not message:
        message = text.strip()[:500] or fallback or "no error message"
    return code, redact(message)


_SECRETS = re.compile(r"(Bearer\s+)\S+|eyJ[\w-]+\.[\w-]+\.[\w-]*", re.IGNORECASE)


def redact(text: str) -> str:
    """Defence in depth: a message echoing a bearer header or a JWT loses it."""
    return _SECRETS.sub("[redacted]", text)


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _is_timeout(exc: requests.RequestException) -> bool:
    # Once urllib3's Retry gives up on a read timeout, requests reports a ConnectionError whose
    # MaxRetryError names the timeout as its reason.
    if isinstance(exc, requests.Timeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    # NewConnectionError (refused, unreachable) subclasses ConnectTimeoutError for legacy reasons.
    return isinstance(reason, Urllib3Timeout) and not isinstance(reason, NewConnectionError)


def _describe_connection_error(exc: requests.RequestException) -> str:
    # requests' messages name host, port and path (never headers): enough to tell what failed.
    kind = "TLS failure" if isinstance(exc, requests.exceptions.SSLError) else type(exc).__name__
    return f"{kind}: {redact(str(exc))[:400]}"
