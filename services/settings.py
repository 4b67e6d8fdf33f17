"""Settings of the service clients, read from environment variables / app settings.

Defaults are production's; the local sandbox is just another set of values (see
`sandbox.server.SandboxServer.settings()`), never a code branch.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
DEFAULT_LCS_BASE_URL = "https://lcsapi.lcs.dynamics.com"
DEFAULT_BAP_BASE_URL = "https://api.bap.microsoft.com"
DEFAULT_POWERPLATFORM_API_BASE_URL = "https://api.powerplatform.com"
DEFAULT_GRAPH_BASE_URL = "https://graph.microsoft.com"

# Regional LCS hosts (lcsapi.eu.lcs.dynamics.com, .fr., ...) all sit under lcs.dynamics.com.
DEFAULT_LCS_ALLOWED_HOSTS = ("lcsapi.lcs.dynamics.com", "*.lcs.dynamics.com")
DEFAULT_BAP_ALLOWED_HOSTS = ("api.bap.microsoft.com",)
DEFAULT_POWERPLATFORM_API_ALLOWED_HOSTS = ("api.powerplatform.com",)
DEFAULT_GRAPH_ALLOWED_HOSTS = ("graph.microsoft.com",)
DEFAULT_DATAVERSE_ALLOWED_HOSTS = ("*.dynamics.com",)

DEFAULT_LCS_TOKEN_CACHE = os.path.join("~", ".cache", "finops-link", "lcs-token-cache.json")


@dataclass(frozen=True)
class ServiceSettings:
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    client_certificate_path: str | None = None
    client_certificate_password: str | None = field(default=None, repr=False)
    authority_host: str = DEFAULT_AUTHORITY_HOST
    disable_instance_discovery: bool = False
    ca_bundle: str | None = None
    lcs_base_url: str = DEFAULT_LCS_BASE_URL
    bap_base_url: str = DEFAULT_BAP_BASE_URL
    powerplatform_api_base_url: str = DEFAULT_POWERPLATFORM_API_BASE_URL
    graph_base_url: str = DEFAULT_GRAPH_BASE_URL
    lcs_allowed_hosts: tuple[str, ...] = DEFAULT_LCS_ALLOWED_HOSTS
    bap_allowed_hosts: tuple[str, ...] = DEFAULT_BAP_ALLOWED_HOSTS
    powerplatform_api_allowed_hosts: tuple[str, ...] = DEFAULT_POWERPLATFORM_API_ALLOWED_HOSTS
    graph_allowed_hosts: tuple[str, ...] = DEFAULT_GRAPH_ALLOWED_HOSTS
    dataverse_allowed_hosts: tuple[str, ...] = DEFAULT_DATAVERSE_ALLOWED_HOSTS
    lcs_client_id: str | None = None
    lcs_token_cache: str = DEFAULT_LCS_TOKEN_CACHE
    lcs_metadata_calls_per_minute: int = 6
    http_timeout_seconds: float = 30.0
    http_max_retries: int = 5

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "ServiceSettings":
        def text(name: str) -> str | None:
            value = environ.get(name, "").strip()
            return value or None

        def url(name: str, default: str) -> str:
            return (text(name) or default).rstrip("/")

        def hosts(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
            value = text(name)
            if value is None:
                return default
            return tuple(h.strip().lower() for h in value.split(",") if h.strip())

        def number(name: str, default: float, kind: type) -> float:
            value = text(name)
            if value is None:
                return default
            try:
                parsed = kind(value)
            except ValueError:
                raise ValueError(f"setting {name} must be a number, got {value!r}") from None
            if parsed < 0:
                raise ValueError(f"setting {name} must not be negative, got {value!r}")
            return parsed

        return cls(
            tenant_id=text("AZURE_TENANT_ID"),
            client_id=text("AZURE_CLIENT_ID"),
            client_secret=text("AZURE_CLIENT_SECRET"),
            client_certificate_path=text("AZURE_CLIENT_CERTIFICATE_PATH"),
            client_certificate_password=text("AZURE_CLIENT_CERTIFICATE_PASSWORD"),
            authority_host=url("AZURE_AUTHORITY_HOST", DEFAULT_AUTHORITY_HOST),
            disable_instance_discovery=_boolean(environ, "IDENTITY_DISABLE_INSTANCE_DISCOVERY"),
            ca_bundle=text("SERVICES_CA_BUNDLE"),
            lcs_base_url=url("LCS_BASE_URL", DEFAULT_LCS_BASE_URL),
            bap_base_url=url("BAP_BASE_URL", DEFAULT_BAP_BASE_URL),
            powerplatform_api_base_url=url("POWERPLATFORM_API_BASE_URL", DEFAULT_POWERPLATFORM_API_BASE_URL),
            graph_base_url=url("GRAPH_BASE_URL", DEFAULT_GRAPH_BASE_URL),
            lcs_allowed_hosts=hosts("LCS_ALLOWED_HOSTS", DEFAULT_LCS_ALLOWED_HOSTS),
            bap_allowed_hosts=hosts("BAP_ALLOWED_HOSTS", DEFAULT_BAP_ALLOWED_HOSTS),
            powerplatform_api_allowed_hosts=hosts("POWERPLATFORM_API_ALLOWED_HOSTS",
                                                  DEFAULT_POWERPLATFORM_API_ALLOWED_HOSTS),
            graph_allowed_hosts=hosts("GRAPH_ALLOWED_HOSTS", DEFAULT_GRAPH_ALLOWED_HOSTS),
            dataverse_allowed_hosts=hosts("DATAVERSE_ALLOWED_HOSTS", DEFAULT_DATAVERSE_ALLOWED_HOSTS),
            lcs_client_id=text("LCS_CLIENT_ID"),
            lcs_token_cache=text("LCS_TOKEN_CACHE") or DEFAULT_LCS_TOKEN_CACHE,
            lcs_metadata_calls_per_minute=int(number("LCS_METADATA_CALLS_PER_MINUTE", 6, int)),
            http_timeout_seconds=float(number("HTTP_TIMEOUT_SECONDS", 30.0, float)),
            http_max_retries=int(number("HTTP_MAX_RETRIES", 5, int)),
        )


def _boolean(environ: Mapping[str, str], name: str) -> bool:
    value = environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"setting {name} must be true or false, got {value!r}")
