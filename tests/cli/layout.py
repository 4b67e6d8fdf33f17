"""A realistic status document with all ten checks, and what a readable terminal rendering is."""
from __future__ import annotations

import re

from domain.checks import CHECKS

LCS_ENV = "a98e06c0-b563-411f-9431-23b5ed5c93ed"
TARGET = "fc384085-a8b1-4b50-926a-e95c355a7195"
PLACEHOLDER = "750624cc-6ea7-4181-889c-03048fc5b47b"
INSTANCE = f"link-{LCS_ENV}"
OPERATOR = "admin@contoso.onmicrosoft.com"
ACTIVITY = "7c1f3b2a-4d5e-4f60-8a9b-0c1d2e3f4a5b"
IDS = (INSTANCE, LCS_ENV, TARGET, PLACEHOLDER, OPERATOR)
FAILING = {
    "operator-license": ("failed", "admin@contoso.onmicrosoft.com holds no finance and operations license: "
                         "DYN365_FINANCE is not assigned, and no other qualifying SKU or service plan is present.",
                         "Assign a Dynamics 365 Finance, Supply Chain Management, Commerce, Project Operations, "
                         "Human Resources or Unified Operations Plan license to the operator in the Microsoft 365 "
                         "admin center, then run the checks again."),
    "dataverse-capacity": ("error", "The Power Platform API did not answer after 5 retries (HTTP 503).",
                           "Try again later; if it persists, check the Power Platform service health."),
    "same-geography": ("warning", "LCS region East US maps to geography unitedstates; the target is in "
                       "unitedstates. The mapping of LCS regions to geographies is approximate.", "Check the region."),
}


def status_document() -> dict:
    checks = []
    for check in CHECKS:
        outcome, detail, fix = FAILING.get(check.id, ("passed", f"Verified for {TARGET}.", "Nothing to do."))
        checks.append({"id": check.id, "title": check.title, "outcome": outcome, "detail": detail,
                       "remediation": fix, "evidence": {"environmentId": TARGET, "operator": OPERATOR,
                                                        "values": [1, 2]}})
    return {
        "instanceId": INSTANCE, "kind": "link", "phase": "AwaitingConfirmation", "runtimeStatus": "Running",
        "request": {"lcsProjectId": 1234567, "lcsEnvironmentId": LCS_ENV, "powerPlatformEnvironmentId": TARGET,
                    "operator": OPERATOR, "setupMode": "operator", "confirmationTimeout": "P3D"},
        "checks": checks, "validatedAt": "2026-03-01T10:00:05.000Z",
        "irreversibilityNotice": "Linking can't be undone: once setup starts, this finance and operations "
                                 "environment stays linked to the chosen Dataverse environment.",
        "operatorDisplayName": "Adele Vance",
        "initialEnvironment": {"id": PLACEHOLDER, "displayName": "CONTOSO-UAT"},
        "environments": {
            "target": {"id": TARGET, "displayName": "Contoso Finance UAT",
                       "dataverseUrl": "https://contoso-finance-uat.crm.dynamics.com/",
                       "adminUrl": f"https://admin.powerplatform.microsoft.com/environments/{TARGET}/hub"},
            "financeAndOperations": {"id": LCS_ENV, "name": "CONTOSO-UAT", "projectId": 1234567,
                                     "lcsUrl": "https://lcs.dynamics.com/V2/EnvironmentDetailsV3New/1234567"
                                               f"?EnvironmentId={LCS_ENV}"},
            "initial": None},
        "confirmation": {"expiresAt": "2026-03-04T10:00:05.000Z", "attempts": [
            {"at": "2026-03-01T10:04:00.000Z", "typedName": "Adele V.", "accepted": False,
             "by": {"name": OPERATOR, "objectId": None}, "reason": "The typed name does not match."}],
                         "confirmedBy": None, "confirmedAt": None, "typedName": None},
        "timeline": [{"phase": "Validating", "at": "2026-03-01T10:00:00.000Z"},
                     {"phase": "AwaitingConfirmation", "at": "2026-03-01T10:00:05.000Z"}],
        "links": {"review": f"http://127.0.0.1:7071/api/links/{INSTANCE}/review"},
        "createdTime": "2026-03-01T10:00:00Z", "lastUpdatedTime": "2026-03-01T10:04:00Z",
    }


def cut_ids(lines: list[str], ids=IDS) -> list[str]:
    """Ids that a line ends with the start of, or that appear on no line whole."""
    problems = []
    for value in ids:
        if not any(value in line for line in lines):
            problems.append(f"{value} never whole")
        for line in lines:
            tail = line.rstrip(" \u2502")
            for size in range(6, len(value)):
                start = len(tail) - size
                # The line ends with the id's beginning, and that beginning starts a token there.
                if tail.endswith(value[:size]) and (start == 0 or not tail[start - 1].isalnum()):
                    problems.append(f"{value} cut in: {line!r}")
                    break
    return problems


def empty_rows(lines: list[str]) -> list[int]:
    """Lines with nothing on them but spaces and box-drawing borders."""
    return [number for number, line in enumerate(lines) if not re.sub(r"[\s\u2500-\u257f]", "", line)
            and not re.fullmatch(r"\s*[\u256d\u2570\u250c\u2514].*", line)]
