"""Well-known role template ids: Microsoft Entra directory roles and Dataverse security roles."""

GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
DYNAMICS_365_ADMINISTRATOR = "44367163-eba1-44c3-98af-f5787879f96a"
POWER_PLATFORM_ADMINISTRATOR = "11648597-926c-4cf3-9c36-bcebb0ba8dcc"

# Roles that may create environments even when the tenant reserves creation to admins.
ENVIRONMENT_ADMIN_ROLES = {
    GLOBAL_ADMINISTRATOR: "Global Administrator",
    DYNAMICS_365_ADMINISTRATOR: "Dynamics 365 Administrator",
    POWER_PLATFORM_ADMINISTRATOR: "Power Platform Administrator",
}

DATAVERSE_SYSTEM_ADMINISTRATOR_TEMPLATE = "627090ff-40a3-4053-8790-584edc5be201"
