"""Where the Lifecycle Services token cache (msal's serialized cache: refresh tokens!) is kept.

The cache is filled once by the device-code sign-in and read by every process that calls LCS. A store
only moves the serialized text; `token_cache_store(...)` picks one from LCS_TOKEN_CACHE: a file path
locally, an `https://` blob URL in Azure (Function App instances share no disk), reached with the
app's own identity (Storage Blob Data Contributor on the container).
"""

from __future__ import annotations

import logging
import os
import tempfile
from typing import Callable, Protocol
from urllib.parse import urlsplit

from services.errors import ServiceError, TokenUnavailable
from services.http import HostAllowList, HttpPolicy
from services.settings import ServiceSettings

log = logging.getLogger(__name__)

STORAGE_SCOPE = "https://storage.azure.com/.default"
STORAGE_API_VERSION = "2023-11-03"
_BLOB_REMEDY = ("Check LCS_TOKEN_CACHE and give the app's identity the Storage Blob Data Contributor "
                "role on that container.")


class TokenCacheStore(Protocol):
    description: str

    def load(self) -> str | None:
        """The serialized cache, or None when nothing was saved yet."""

    def save(self, data: str) -> None:
        """Replace the saved cache."""


class FileTokenCacheStore:
    """A file readable by its owner only, replaced atomically so a reader never sees half a cache."""

    def __init__(self, path: str):
        self.path = os.path.abspath(os.path.expanduser(path))
        self.description = f"file {self.path}"

    def load(self) -> str | None:
        try:
            with open(self.path, encoding="utf-8") as f:
                return f.read() or None
        except FileNotFoundError:
            return None

    def save(self, data: str) -> None:
        folder = os.path.dirname(self.path)
        os.makedirs(folder, mode=0o700, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".lcs-token-cache.", dir=folder)  # created 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(data)
            os.replace(temp, self.path)
        except BaseException:
            os.unlink(temp)
            raise

    def __repr__(self) -> str:
        return f"FileTokenCacheStore({self.path!r})"


class BlobTokenCacheStore:
    """A block blob. Writes carry If-Match (If-None-Match for the first), so a process holding an
    older cache never overwrites a newer sign-in: on a conflict the newer blob wins and this save is
    dropped (its refreshed tokens can be obtained again). The token goes only to the blob's own host."""

    def __init__(self, url: str, policy: HttpPolicy, token: Callable[[], str]):
        parts = urlsplit(url)
        if parts.query or parts.fragment:
            raise TokenUnavailable("lcs", "LCS_TOKEN_CACHE must be a plain blob URL (no SAS or query): "
                                          "the app's own identity is used", _BLOB_REMEDY)
        self.url = url
        self.description = f"blob {url}"
        self._http = policy.service("lcs-token-cache", HostAllowList((parts.hostname or "",), "LCS_TOKEN_CACHE"),
                                    token, headers={"x-ms-version": STORAGE_API_VERSION})
        self._etag: str | None = None

    def load(self) -> str | None:
        try:
            response = self._http.request("load", "GET", self.url)
        except ServiceError as error:
            if error.status == 404:
                self._etag = None
                return None
            raise self._unavailable(error) from None
        self._etag = response.headers.get("ETag")
        return response.content.decode("utf-8") or None

    def save(self, data: str) -> None:
        condition = {"If-Match": self._etag} if self._etag else {"If-None-Match": "*"}
        headers = {"x-ms-blob-type": "BlockBlob", "Content-Type": "application/json", **condition}
        try:
            response = self._put(headers, data)
        except ServiceError as error:
            if error.status in (409, 412):  # somebody saved a newer cache since we read it
                log.info("LCS token cache changed underneath us; keeping the newer one")
                return
            if error.code != "ContainerNotFound":
                raise self._unavailable(error) from None
            self._create_container()
            response = self._put(headers, data)
        self._etag = response.headers.get("ETag")

    def _put(self, headers: dict[str, str], data: str):
        # Conditional, hence safe to retry: a replay after a lost answer fails its condition.
        return self._http.request("save", "PUT", self.url, data=data.encode("utf-8"), headers=headers)

    def _create_container(self) -> None:
        container = self.url.rsplit("/", 1)[0]
        try:
            self._http.request("create container", "PUT", container, params={"restype": "container"})
        except ServiceError as error:
            if error.status != 409:  # created by someone else meanwhile
                raise self._unavailable(error) from None

    def _unavailable(self, error: ServiceError) -> TokenUnavailable:
        return TokenUnavailable("lcs", f"the LCS token cache ({self.description}) is unusable: {error}",
                                _BLOB_REMEDY)

    def __repr__(self) -> str:
        return f"BlobTokenCacheStore({self.url!r})"


def token_cache_store(settings: ServiceSettings, policy: HttpPolicy | None = None,
                      app_token: Callable[[str], str] | None = None) -> TokenCacheStore:
    """The store LCS_TOKEN_CACHE names. A blob store needs the HTTP policy and an app token source
    (scope -> token); by default they are built from the settings."""
    location = settings.lcs_token_cache
    if not location.lower().startswith(("https://", "http://")):
        return FileTokenCacheStore(location)
    if app_token is None:
        from services.identity import AppTokenProvider

        app_token = AppTokenProvider(settings).token
    token_source = app_token
    return BlobTokenCacheStore(location, policy or HttpPolicy.from_settings(settings),
                               lambda: token_source(STORAGE_SCOPE))
