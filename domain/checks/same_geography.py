"""same-geography: the finance and operations region (LCS) is in the Power Platform geography of the
target environment, by Microsoft's region table or by BAP's own list of that geography's regions."""

from __future__ import annotations

from domain import facts as F
from domain.checks.engine import ERROR, FAILED, PASSED, Check, CheckResult, verdict
from domain.geography import geography_of_location, geography_of_region, region_key
from domain.request import LinkRequest
from domain.setup_modes import lcs_managed_modes


def rule(request: LinkRequest, lcs: F.LcsEnvironmentFacts, target: F.TargetEnvironmentFacts) -> CheckResult:
    if not lcs.found:
        return verdict(FAILED, "The finance and operations region is unknown: the LCS environment could not be read.",
                       "Fix the Lifecycle Services access first (see lcs-project-access).")
    source_geo = geography_of_region(lcs.region or "")
    target_geo = geography_of_location(target.geography)
    live = region_key(lcs.region or "") in target.geography_azure_regions
    evidence = {"financeAndOperationsRegion": lcs.region,
                "financeAndOperationsGeography": source_geo.name if source_geo else None,
                "targetGeography": target.geography, "targetAzureRegion": target.azure_region,
                "targetGeographyAzureRegions": list(target.geography_azure_regions)}
    target_name = target_geo.name if target_geo else target.geography
    if live or (source_geo and target_geo and source_geo.code == target_geo.code):
        source = "BAP lists it among that geography's regions" if live else "per Microsoft's region table"
        return verdict(PASSED, f"Finance and operations runs in {lcs.region}, which is in the {target_name} "
                               f"geography, like the Dataverse environment ({source}).", **evidence)
    if source_geo is None or target_geo is None:
        unknown = f"region '{lcs.region}'" if source_geo is None else f"geography '{target.geography}'"
        return verdict(ERROR, f"The {unknown} is in neither the known table nor BAP's list of the target geography's "
                              "regions: the geographies could not be compared, and setup can't be undone.",
                       f"Compare them by hand before linking: the finance and operations region is '{lcs.region}' "
                       "(LCS > environment details); the Power Platform admin center shows the Dataverse "
                       f"environment's geography in its 'Region' column ('{target.geography}'). Microsoft's list of "
                       "Power Platform geographies and their Azure regions says which geography serves the region. "
                       "If they match, report the missing region so the table can be extended.", **evidence)
    return verdict(
        FAILED, f"Finance and operations runs in {lcs.region} ({source_geo.name} geography) but the Dataverse "
                f"environment is in the {target_geo.name} geography.",
        f"Choose a Power Platform environment in the {source_geo.name} geography. Note that the admin center "
        "labels the geography 'Region'.", **evidence)


CHECK = Check(
    id="same-geography",
    title="The Dataverse environment is in the same geography as finance and operations",
    needs=(F.LCS_ENVIRONMENT, F.TARGET),
    rule=rule,
    order=40,
    modes=lcs_managed_modes(),  # linking an LCS-managed environment only
)
