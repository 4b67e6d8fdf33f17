"""Every app setting, declared once: who reads it, and how Azure and the local host get it.

tests/deploy/test_settings_contract.py holds three things to this list: the settings the app and the
Functions host read, the app settings infra/app/function.bicep sets, and the keys of
local.settings.example.json. To add a setting: one line here, then what the test names as missing
(the template's appsettings block, local.settings.example.json), and the README's Settings table.
"""

from __future__ import annotations

from dataclasses import dataclass

APP = "app"  # read by our code (services/settings.py, triggers/settings.py, services/telemetry.py, ...)
HOST = "host"  # read by the Functions host: a %NAME% in host.json or a binding's connection
PLATFORM = "platform"  # read by the Functions runtime itself, whatever the app (named in `why`)
LIBRARY = "library"  # read by a library the app configures (named in `why`)
SET = "set"

# In Azure the storage connection is identity-based: these suffixes replace the connection string.
IDENTITY_CONNECTION_SUFFIXES = ("credential", "clientId", "blobServiceUri", "queueServiceUri", "tableServiceUri")
_NO_SECRET = "the managed identity replaces it: Azure holds no secret"


@dataclass(frozen=True)
class Setting:
    name: str
    read_by: str
    azure: str = SET  # SET, or why the template leaves it out
    local: str = SET  # SET (a key of local.settings.example.json), or why it is left out
    identity_connection: bool = False  # Azure sets NAME__credential, NAME__clientId, NAME__*ServiceUri
    why: str = ""

    def template_names(self) -> set[str]:
        if self.azure != SET:
            return set()
        if self.identity_connection:
            return {f"{self.name}__{suffix}" for suffix in IDENTITY_CONNECTION_SUFFIXES}
        return {self.name}


SETTINGS: tuple[Setting, ...] = (
    # The Functions host
    Setting("FUNCTIONS_WORKER_RUNTIME", PLATFORM, azure="Flex Consumption takes the runtime from "
            "functionAppConfig.runtime and refuses this setting", why="the local host picks the Python worker"),
    Setting("AzureWebJobsFeatureFlags", PLATFORM, azure="worker indexing is on in Azure without it",
            why="the local host indexes a v2 Python app with EnableWorkerIndexing"),
    Setting("AzureWebJobsStorage", HOST, identity_connection=True),
    Setting("DURABLE_TASK_HUB", HOST),
    # Telemetry (services/telemetry.py)
    Setting("APPLICATIONINSIGHTS_CONNECTION_STRING", APP),
    Setting("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", LIBRARY, local="a managed identity exists in Azure only",
            why="the Azure Monitor exporter signs in with the identity it names"),
    # Behaviour (triggers/settings.py)
    Setting("LINK_DEFAULT_SETUP_MODE", APP),
    Setting("LINK_CONFIRMATION_TIMEOUT", APP),
    Setting("LINK_REVALIDATE_AFTER", APP),
    Setting("LINK_PROVISIONING_DEADLINE", APP),
    Setting("LINK_POLL_SCHEDULE", APP),
    Setting("LINK_CONFIRMERS", APP),
    Setting("LINK_ALLOWED_IDENTITY_PROVIDERS", APP),
    Setting("LINK_PUBLIC_BASE_URL", APP),
    # Identity and services (services/settings.py)
    Setting("AZURE_TENANT_ID", APP),
    Setting("AZURE_CLIENT_ID", APP),
    Setting("AZURE_CLIENT_SECRET", APP, azure=_NO_SECRET),
    Setting("AZURE_CLIENT_CERTIFICATE_PATH", APP, azure=_NO_SECRET),
    Setting("AZURE_CLIENT_CERTIFICATE_PASSWORD", APP, azure=_NO_SECRET),
    Setting("AZURE_AUTHORITY_HOST", APP),
    Setting("IDENTITY_DISABLE_INSTANCE_DISCOVERY", APP),
    Setting("SERVICES_CA_BUNDLE", APP, azure="Azure trusts the system's CAs; only the local sandbox's CA needs it"),
    Setting("LCS_BASE_URL", APP),
    Setting("BAP_BASE_URL", APP),
    Setting("POWERPLATFORM_API_BASE_URL", APP),
    Setting("GRAPH_BASE_URL", APP),
    Setting("LCS_ALLOWED_HOSTS", APP),
    Setting("BAP_ALLOWED_HOSTS", APP),
    Setting("POWERPLATFORM_API_ALLOWED_HOSTS", APP),
    Setting("GRAPH_ALLOWED_HOSTS", APP),
    Setting("DATAVERSE_ALLOWED_HOSTS", APP),
    Setting("LCS_CLIENT_ID", APP),
    Setting("LCS_TOKEN_CACHE", APP),
    Setting("LCS_METADATA_CALLS_PER_MINUTE", APP),
    Setting("HTTP_TIMEOUT_SECONDS", APP),
    Setting("HTTP_MAX_RETRIES", APP),
    Setting("TOKEN_PREFETCH_AT_START", APP),
)

# The functions that read settings from a mapping; the contract test calls each with a recording one.
READERS = ("services.settings:ServiceSettings.from_env", "triggers.settings:AppSettings.from_env",
           "services.telemetry:enabled_in")
# Where the app's own code lives (scanned for literal environment look-ups).
PRODUCT_PACKAGES = ("function_app.py", "triggers", "orchestrators", "activities", "domain", "services", "webui")


def by_name() -> dict[str, Setting]:
    return {setting.name: setting for setting in SETTINGS}
