"""The names orchestrators and activity registrations refer to, importable without the fact classes
and the checks: those load with the first validation, not with the app (cold start)."""

OPERATOR = "operator"
TARGET = "target"
TENANT_SETTINGS = "tenantSettings"
CAPACITY = "capacity"
LCS_ENVIRONMENT = "lcsEnvironment"
LCS_LINKS = "lcsLinks"
LCS_INTEGRATION = "lcsIntegration"
DATAVERSE_ROLES = "dataverseRoles"
DATAVERSE_INTEGRATION = "dataverseIntegration"
