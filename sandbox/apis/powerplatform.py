"""Power Platform API: tenant capacity (licensing/tenantCapacity), on the captured payload, and the
appmanagement routes (application packages, see appmanagement.py)."""
from __future__ import annotations

from werkzeug.wrappers import Response

from sandbox.apis.bap import admin_refusal, missing_api_version
from sandbox.apis.appmanagement import ACTIONS, ROUTES, AppManagementRoutes
from sandbox.apis.base import Call, route
from sandbox.templates import template

AUDIENCE = "https://api.powerplatform.com"
_CAPACITY_TYPES = {"database": "Database", "file": "File", "log": "Log"}
# Filled in when the scenario gives them; otherwise the captured entries (0 MB) stay.
_FINOPS_CAPACITY_TYPES = {"operationsDatabase": "FinOpsDatabase", "operationsFile": "FinOpsFile"}


class PowerPlatformApi(AppManagementRoutes):
    name = "powerplatform"
    prefix = "/powerplatform"
    routes = (route("GET", r"/licensing/tenantCapacity/?", "tenant_capacity"),) + ROUTES

    def audience(self, call: Call) -> str:
        return AUDIENCE

    def precheck(self, call: Call) -> Response | None:
        return missing_api_version(self, call)

    def authorize(self, call: Call, handler: str) -> Response | None:
        return admin_refusal(self, call, ACTIONS.get(handler, "Microsoft.PowerPlatform/licensing/tenantCapacity/read"))

    def tenant_capacity(self, call: Call) -> Response:
        tenant = call.scenario.tenant
        body = template("tenant-capacity.json")
        body["tenantId"] = tenant.id
        entries = {entry["capacityType"]: entry for entry in body["tenantCapacities"]}
        # A storage type the scenario leaves out is absent from the answer, as in a tenant without it.
        missing = {name for kind, name in _CAPACITY_TYPES.items() if kind not in tenant.capacity}
        body["tenantCapacities"] = [e for e in body["tenantCapacities"] if e["capacityType"] not in missing]
        overage = False
        for kind, capacity in tenant.capacity.items():
            entry = entries[_CAPACITY_TYPES.get(kind) or _FINOPS_CAPACITY_TYPES[kind]]
            entry["totalCapacity"] = capacity.total_mb
            entry["consumption"].update(actual=capacity.actual_mb, rated=capacity.rated_mb)
            # Inferred: a storage type consumed beyond its total reports Overage.
            entry["status"] = capacity.status or ("Overage" if capacity.actual_mb > capacity.total_mb else "Available")
            overage = overage or entry["status"] == "Overage"
        if overage:
            body["capacitySummary"].update(status="Overage", statusMessage="You are over capacity in at least one storage type.",
                                           statusMessageCode="CapacityOverage")
        return self.json(call, body)
