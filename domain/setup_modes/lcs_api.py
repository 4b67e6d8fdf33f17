"""`lcs-api`: the app starts setup itself through the LCS integration endpoint (services/lcs.py).

Lifecycle Services publishes no API for the Setup action; this mode speaks a contract in LCS's own
style that a customer's gateway, or a future Microsoft API, can serve (README, "setupMode").
"""

from domain.setup_modes import SetupMode

MODE = SetupMode(
    name="lcs-api",
    title="start setup through the LCS integration endpoint",
    starts_setup=True,
    required_fields=("lcsProjectId", "lcsEnvironmentId", "powerPlatformEnvironmentId", "operator"),
)
