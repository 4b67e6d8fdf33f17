"""Where the Lifecycle Services token cache (msal's serialized cache: refresh tokens!) is kept.

The cache is filled once by the device-code sign-in and read by every process that calls LCS. A store
only moves the serialized text; `token_cache_store(...)` picks one from LCS_TOKEN_CACHE: a file path
locally, an `https://` blob URL in Azure (Function App instances share no disk), reached with the
app's own identity (Storage Blob Data Contributor on the container, or Owner on the account).
"""

from __future__ import annotations

import logging
import os
import tempfile
from typing import Any, Callable, Protocol
from urllib.parse import urlsplit

from services.errors import TokenUnavailable
from services.http import redact
from services.settings import ServiceSettings

log = logging.getLogger(__name__)

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
    """A block blob, through azure-storage-blob with an azure-identity credential (the app's managed
    identity in Azure, the administrator's Azure CLI sign-in on a workstation). Writes are conditional
    on the ETag read (If-None-Match for the first), so a process holding an older cache never
    overwrites a newer sign-in: on a conflict the newer blob wins and this save is dropped (its
    refreshed tokens can be obtained again)."""

    def __init__(self, url: str, credential: Any, settings: ServiceSettings):
        from azure.storage.blob import BlobClient, ContainerClient

        parts = urlsplit(url)
        if parts.query or parts.fragment or parts.scheme != "https":
            raise TokenUnavailable("lcs", "LCS_TOKEN_CACHE must be a plain https blob URL (no SAS or query): "
                                          "the app's own identity is used", _BLOB_REMEDY)
        self.url = url
        self.description = f"blob {url}"
        options: dict[str, Any] = {"retry_total": settings.http_max_retries,
                                   "connection_timeout": settings.http_timeout_seconds,
                                   "read_timeout": settings.http_timeout_seconds}
        if settings.ca_bundle:
            options["connection_verify"] = settings.ca_bundle
        self._blob = BlobClient.from_blob_url(url, credential=credential, **options)
        container = "/" + self._blob.container_name + "/"
        self._container = ContainerClient.from_container_url(url[:url.index(container) + len(container) - 1],
                                                             credential=credential, **options)
        self._etag: str | None = None

    def load(self) -> str | None:
        from azure.core.exceptions import AzureError, ResourceNotFoundError

        try:
            downloaded = self._blob.download_blob(encoding="utf-8")
            data = downloaded.readall()
        except ResourceNotFoundError:
            self._etag = None
            return None
        except AzureError as error:
            raise self._unavailable(error) from None
        self._etag = downloaded.properties.etag
        return data or None

    def save(self, data: str) -> None:
        from azure.core import MatchConditions
        from azure.core.exceptions import AzureError, ResourceExistsError, ResourceModifiedError, ResourceNotFoundError

        # Conditional, hence safe to retry: a replay after a lost answer fails its condition.
        condition = ({"etag": self._etag, "match_condition": MatchConditions.IfNotModified} if self._etag
                     else {"match_condition": MatchConditions.IfMissing})
        upload = lambda: self._blob.upload_blob(data.encode("utf-8"), overwrite=True, **condition,  # noqa: E731
                                                content_settings=_json_content())
        try:
            try:
                answer = upload()
            except ResourceNotFoundError as missing:
                if missing.error_code != "ContainerNotFound":
                    raise
                self._create_container()
                answer = upload()
        except (ResourceModifiedError, ResourceExistsError):  # somebody saved a newer cache since we read it
            log.info("LCS token cache changed underneath us; keeping the newer one")
            return
        except AzureError as error:
            raise self._unavailable(error) from None
        self._etag = answer.get("etag")

    def _create_container(self) -> None:
        from azure.core.exceptions import ResourceExistsError

        try:
            self._container.create_container()
        except ResourceExistsError:  # created by someone else meanwhile
            pass

    def _unavailable(self, error: Exception) -> TokenUnavailable:
        reason = redact(str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__)
        return TokenUnavailable("lcs", f"the LCS token cache ({self.description}) is unusable: {reason[:300]}",
                                _BLOB_REMEDY)

    def __repr__(self) -> str:
        return f"BlobTokenCacheStore({self.url!r})"


def _json_content() -> Any:
    from azure.storage.blob import ContentSettings

    return ContentSettings(content_type="application/json")


def token_cache_store(settings: ServiceSettings, credential: Callable[[], Any] | None = None) -> TokenCacheStore:
    """The store LCS_TOKEN_CACHE names: a file path, or an https blob URL reached with the azure-identity
    credential that `credential()` gives (asked only for a blob; by default the app's own, from the settings)."""
    location = settings.lcs_token_cache
    if not location.lower().startswith(("https://", "http://")):
        return FileTokenCacheStore(location)
    if credential is None:
        from services.identity import AppTokenProvider

        credential = AppTokenProvider(settings).credential
    return BlobTokenCacheStore(location, credential(), settings)
