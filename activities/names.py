"""Activity function names, importable by orchestrators without importing the activities' services."""

from domain import vocabulary as F

FACT_ACTIVITIES = {
    F.OPERATOR: "gather_operator",
    F.TARGET: "gather_target_environment",
    F.TENANT_SETTINGS: "gather_tenant_settings",
    F.CAPACITY: "gather_capacity",
    F.LCS_ENVIRONMENT: "gather_lcs_environment",
    F.LCS_LINKS: "gather_lcs_links",
    F.LCS_INTEGRATION: "gather_lcs_integration",
    F.DATAVERSE_ROLES: "gather_dataverse_roles",
    F.DATAVERSE_INTEGRATION: "gather_dataverse_integration",
}
START_SETUP = "start_setup"
READ_PROVISIONING = "read_provisioning"
VERIFY_LINK = "verify_link"
PUBLISH_EVENT = "publish_event"
SAVE_STATUS = "save_status"
