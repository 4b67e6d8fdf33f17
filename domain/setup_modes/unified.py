"""`unified`: the app installs finance and operations into an existing Power Platform environment
through the Power Platform API (the Dynamics 365 Finance and Operations Provisioning App, after
Platform Tools), for customers without an LCS-managed environment (docs/unified-mode.md).

Setup has two steps when Platform Tools is missing: each is started by the start_setup activity, and
the monitor starts the next when the reading says the first is done (ProvisioningState.NEXT_STEP).
"""

from domain.setup_modes import SetupMode

IRREVERSIBILITY_NOTICE = (
    "Installing finance and operations into this environment can't be undone: reset, convert to production and "
    "restore aren't available for it afterwards, and its Dataverse database stays the finance and operations "
    "environment's. The install takes about an hour."
)

MODE = SetupMode(
    name="unified",
    title="install finance and operations into an existing Dataverse environment through the Power Platform API",
    starts_setup=True,
    required_fields=("powerPlatformEnvironmentId", "operator"),
    forbidden_fields=("lcsProjectId", "lcsEnvironmentId"),
    instance_key="powerPlatformEnvironmentId",
    option_fields=("provisioningApp",),
    irreversibility_notice=IRREVERSIBILITY_NOTICE,
    service_name="The Power Platform API",
    where_to_look="the environment's Dynamics 365 apps in the Power Platform admin center",
    reads_by_setup_id=True,
    next_step_checks=("version-exists",),  # the versions are listed once Platform Tools is installed
    done_message="Finance and operations is installed in the Dataverse environment.",
)
