"""Where the Lifecycle Services token cache (msal's serialized cache: refresh tokens!) is kept.

The cache is filled once by the device-code sign-in and read by every process that calls LCS. A store
only moves the serialized text; `token_cache_store(settings)` picks one from LCS_TOKEN_CACHE:
a file path locally. Azure Blob Storage is the extension point for Azure (an `https://` blob URL):
implement `TokenCacheStore` against it and return it from `token_cache_store`.
"""

from __future__ import annotations

import os
import tempfile
from typing import Protocol

from services.errors import TokenUnavailable
from services.settings import ServiceSettings


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


def token_cache_store(settings: ServiceSettings) -> TokenCacheStore:
    location = settings.lcs_token_cache
    if location.lower().startswith(("https://", "http://")):
        raise TokenUnavailable(
            "lcs", f"LCS_TOKEN_CACHE is a URL ({location.split('?')[0]}), and no blob store is built in",
            "Set LCS_TOKEN_CACHE to a file path (on Azure Functions, e.g. under /home, which persists).")
    return FileTokenCacheStore(location)
