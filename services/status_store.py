"""Where a run's full status document lives: one blob per run in the app's own storage account.

Durable's custom status is limited to 16 KB of UTF-16 text, and a run's document (ten checks with
their evidence, attempts, previous runs) does not fit in the worst case. So an activity writes the
whole document here, with a version number, and the orchestration's custom status carries only a
small live projection that names the blob and its version (see orchestrators/projection.py).

Writes are conditional (ETag), so an activity that runs twice, or an older write that arrives
late, never replaces a newer version. Any storage failure is a `StatusStoreUnavailable`, which the
HTTP layer answers with 503 and Retry-After.
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any, Mapping

CONTAINER = "link-status"
VERSION_KEY = "documentversion"
_WRITE_ROUNDS = 5  # conditional-write conflicts in a row before giving up (each means a newer writer)


class StatusStoreUnavailable(Exception):
    """The status store could not be read or written; the caller may try again shortly."""

    retry_after_seconds = 5


class StatusStore:
    def __init__(self, container) -> None:
        self._container = container

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> "StatusStore":
        return _store_for(environ.get("AzureWebJobsStorage", ""), environ.get("AzureWebJobsStorage__blobServiceUri", ""))

    def load(self, name: str) -> dict[str, Any] | None:
        from azure.core.exceptions import AzureError, ResourceNotFoundError

        try:
            data = self._container.get_blob_client(name).download_blob().readall()
        except ResourceNotFoundError:
            return None
        except AzureError as exc:
            raise StatusStoreUnavailable(f"the status store could not be read: {type(exc).__name__}") from None
        try:
            document = json.loads(data)
        except ValueError:
            raise StatusStoreUnavailable(f"the stored status document {name} is not JSON") from None
        return document if isinstance(document, dict) else None

    def save(self, name: str, version: int, document: dict[str, Any]) -> str:
        """Write `document` as `version` unless the store already has that version or a newer one.
        Returns "written" or "kept" (a newer or equal version is stored)."""
        from azure.core.exceptions import AzureError

        body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        try:
            for _ in range(_WRITE_ROUNDS):
                outcome = self._write_once(name, version, body)
                if outcome:
                    return outcome
        except AzureError as exc:
            raise StatusStoreUnavailable(f"the status store could not be written: {type(exc).__name__}") from None
        raise StatusStoreUnavailable(f"the status document {name} kept changing while version {version} was written")

    def _write_once(self, name: str, version: int, body: bytes) -> str | None:
        """One read-compare-write round; None when another writer got in between (try again)."""
        from azure.core import MatchConditions
        from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError

        blob = self._container.get_blob_client(name)
        metadata = {VERSION_KEY: str(version)}
        try:
            properties = blob.get_blob_properties()
        except ResourceNotFoundError:
            properties = None
        try:
            if properties is None:
                self._ensure_container()
                blob.upload_blob(body, overwrite=False, metadata=metadata, content_type="application/json")
                return "written"
            if int(properties.metadata.get(VERSION_KEY, "0")) >= version:
                return "kept"
            blob.upload_blob(body, overwrite=True, metadata=metadata, content_type="application/json",
                             etag=properties.etag, match_condition=MatchConditions.IfNotModified)
            return "written"
        except (ResourceExistsError, ResourceModifiedError):
            return None

    def _ensure_container(self) -> None:
        from azure.core.exceptions import ResourceExistsError

        try:
            self._container.create_container()
        except ResourceExistsError:
            pass


@functools.lru_cache(maxsize=4)
def _store_for(connection_string: str, blob_service_uri: str) -> StatusStore:
    """One client per storage setting and process: the app's own account, as the Functions host reaches it
    (a connection string, or identity-based `AzureWebJobsStorage__blobServiceUri`, which the template sets;
    DefaultAzureCredential takes the user-assigned identity from `AZURE_CLIENT_ID`)."""
    from azure.storage.blob import BlobServiceClient

    if connection_string:
        service = BlobServiceClient.from_connection_string(connection_string)
    elif blob_service_uri:
        from azure.identity import DefaultAzureCredential

        service = BlobServiceClient(blob_service_uri, credential=DefaultAzureCredential())
    else:
        raise StatusStoreUnavailable("AzureWebJobsStorage is not set, so the status store is unknown")
    return StatusStore(service.get_container_client(CONTAINER))
