"""A realistic status document and a small HTML parser for asserting on rendered pages."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from html.parser import HTMLParser

from harness.fleet import FLEET_NOW, fleet_item, fleet_items  # noqa: F401 (the fleet tests' items)

LCS_ENV = "5b0ab7d2-3f7c-4f7e-9d8e-0e4b9d8a1c11"
PP_ENV = "0f7c6a3e-1b2d-4c5e-8f90-a1b2c3d4e5f6"
ADELE = {"name": "adele@contoso.onmicrosoft.com", "objectId": "75bde90b-0c7a-4538-8a6b-dc8101ead110"}

AWAITING = {
    "instanceId": f"link-{LCS_ENV}",
    "kind": "link",
    "phase": "AwaitingConfirmation",
    "runtimeStatus": "Running",
    "request": {
        "lcsProjectId": 1234567, "lcsEnvironmentId": LCS_ENV, "powerPlatformEnvironmentId": PP_ENV,
        "operator": "adele@contoso.onmicrosoft.com", "setupMode": "lcs-api",
        "confirmationTimeout": "P3D", "correlationId": "change-4711",
    },
    "checks": [
        {"id": "dataverse-capacity", "title": "Dataverse capacity", "outcome": "passed",
         "detail": "12.5 GB of database capacity free.", "remediation": "Buy capacity.",
         "evidence": {"databaseFreeGb": 12.5}},
        {"id": "same-geography", "title": "Same geography", "outcome": "warning",
         "detail": "Region mapping is approximate.", "remediation": "Check the region in LCS.",
         "evidence": {"lcsRegion": "West Europe", "geography": "europe", "flags": [True, None]}},
    ],
    "validatedAt": "2025-03-01T10:00:05Z",
    "irreversibilityNotice": "Linking can't be undone. The environment is briefly unavailable.",
    "operatorDisplayName": "Adele Vance",
    "initialEnvironment": {"id": "9d1b2c3a-0000-4000-8000-000000000001", "displayName": "Contoso initial"},
    "confirmation": {"expiresAt": "2025-03-04T10:00:05Z", "attempts": [], "confirmedBy": None,
                     "confirmedAt": None, "typedName": None},
    "operatorInstructions": None,
    "provisioning": None,
    "outcome": None,
    "timeline": [{"phase": "Validating", "at": "2025-03-01T10:00:00Z"},
                 {"phase": "AwaitingConfirmation", "at": "2025-03-01T10:00:05Z"}],
    "links": {"self": f"http://127.0.0.1:7071/api/links/link-{LCS_ENV}"},
    "createdTime": "2025-03-01T10:00:00Z",
    "lastUpdatedTime": "2025-03-01T10:00:05Z",
}


def status(**changes) -> dict:
    doc = copy.deepcopy(AWAITING)
    doc.update(changes)
    return doc


def provisioning_status() -> dict:
    return status(
        phase="Provisioning",
        confirmation={"expiresAt": "2025-03-04T10:00:05Z", "confirmedBy": ADELE,
                      "confirmedAt": "2025-03-01T10:05:00Z", "typedName": "Adele Vance",
                      "attempts": [{"at": "2025-03-01T10:05:00Z", "typedName": "Adele Vance",
                                    "by": ADELE, "accepted": True, "reason": None}]},
        provisioning={"startedAt": "2025-03-01T10:05:10Z", "polls": 3, "lastState": "SetupInProgress",
                      "lastPhase": "Provisioning Dataverse", "nextCheckAt": "2025-03-01T10:20:10Z",
                      "setupActivityId": "act-1"},
        timeline=AWAITING["timeline"] + [{"phase": "StartingSetup", "at": "2025-03-01T10:05:00Z"},
                                         {"phase": "Provisioning", "at": "2025-03-01T10:05:10Z"}],
    )


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""


@dataclass
class Page(HTMLParser):
    """Every element with its attributes and its own text (not nested elements' text)."""
    elements: list[Element] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def __post_init__(self):
        HTMLParser.__init__(self, convert_charrefs=True)
        self._open: list[Element] = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        self.elements.append(element)
        if tag not in ("meta", "input", "br", "link", "img"):
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop().tag == tag:
                break

    def handle_data(self, data):
        self.texts.append(data)
        if self._open:
            self._open[-1].text += data

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.texts).split())

    def all(self, tag: str, **attrs) -> list[Element]:
        return [e for e in self.elements if e.tag == tag
                and all(e.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())]

    def one(self, tag: str, **attrs) -> Element:
        found = self.all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]


def parse(page: str) -> Page:
    parsed = Page()
    parsed.feed(page)
    parsed.close()
    return parsed
