"""Fixtures for the sandbox tests: a running sandbox per test and an HTTP client that trusts its CA."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from sandbox.server import SandboxServer

TEMPLATES = Path(__file__).resolve().parents[2] / "sandbox" / "templates"
TENANT = "79562a4e-2fbc-4052-acd5-22a6b7eea543"
OPERATOR = "admin@contoso.onmicrosoft.com"
OPERATOR_OID = "75bde90b-0c7a-4538-8a6b-dc8101ead110"
PROJECT = 1234567
LCS_ENV = "a98e06c0-b563-411f-9431-23b5ed5c93ed"
TARGET_ENV = "fc384085-a8b1-4b50-926a-e95c355a7195"
PLACEHOLDER_ENV = "750624cc-6ea7-4181-889c-03048fc5b47b"
ORG = "contoso-uat"
SCOPES = {
    "graph": "https://graph.microsoft.com/.default",
    "bap": "https://service.powerapps.com/.default",
    "powerplatform": "https://api.powerplatform.com/.default",
    "lcs": "https://lcsapi.lcs.dynamics.com//.default",
}


def fixture_json(name: str) -> Any:
    """A captured Microsoft payload (the sandbox's templates are verbatim copies of tests/fixtures/microsoft)."""
    return json.loads((TEMPLATES / name).read_text(encoding="utf-8"))


def missing_keys(actual: Any, expected: Any, path: str = "$") -> list[str]:
    """Keys of the captured payload `expected` (recursively, first list item) absent from `actual`."""
    missing: list[str] = []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [path]
        for key, value in expected.items():
            if key not in actual:
                missing.append(f"{path}.{key}")
            elif value is not None and actual[key] is not None:
                missing.extend(missing_keys(actual[key], value, f"{path}.{key}"))
    elif isinstance(expected, list) and expected and isinstance(expected[0], dict):
        if not isinstance(actual, list) or not actual:
            return [f"{path}[0]"]
        missing.extend(missing_keys(actual[0], expected[0], f"{path}[0]"))
    return missing


class SandboxClient:
    """requests against one sandbox, trusting its CA only (trust_env off: this machine sets REQUESTS_CA_BUNDLE)."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.session = requests.Session()
        self.session.verify = server.ca_cert_path
        self.session.trust_env = False

    def url(self, path: str) -> str:
        return self.server.base_url + path

    def request(self, method: str, path: str, token: str | None = None, headers: dict[str, str] | None = None,
                **kwargs: Any) -> requests.Response:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        return self.session.request(method, self.url(path), headers=all_headers, timeout=10, **kwargs)

    def get(self, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, token, **kwargs)

    def post(self, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, token, **kwargs)

    def token_endpoint(self, **form: str) -> requests.Response:
        return self.post(f"/{TENANT}/oauth2/v2.0/token", data=form)

    def app_token(self, scope: str) -> str:
        settings = self.server.settings()
        response = self.token_endpoint(grant_type="client_credentials", client_id=settings["AZURE_CLIENT_ID"],
                                       client_secret=settings["AZURE_CLIENT_SECRET"], scope=scope)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def user_token(self, scope: str, upn: str | None = None) -> str:
        """Device code flow over plain HTTP; approved as `upn` through the admin endpoint when given."""
        client_id = self.server.settings()["LCS_CLIENT_ID"]
        code = self.post(f"/{TENANT}/oauth2/v2.0/devicecode", data={"client_id": client_id, "scope": f"{scope} openid profile offline_access"}).json()
        if upn is not None:
            approved = self.post("/_sandbox/devicecodes/approve", json={"user_code": code["user_code"], "upn": upn})
            assert approved.status_code == 200, approved.text
        response = self.token_endpoint(grant_type="urn:ietf:params:oauth:grant-type:device_code",
                                       client_id=client_id, device_code=code["device_code"])
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def lcs(self, method: str, path: str, token: str, **kwargs: Any) -> requests.Response:
        headers = {"x-ms-version": "2017-09-15", **kwargs.pop("headers", {})}
        return self.request(method, "/lcs" + path, token, headers=headers, **kwargs)

    def admin(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.request(method, "/_sandbox" + path, **kwargs)


@pytest.fixture
def start_sandbox() -> Iterator[Any]:
    """Start sandboxes with any scenario; all are stopped at the end of the test."""
    servers: list[SandboxServer] = []

    def start(scenario: Any = "happy-path", **kwargs: Any) -> SandboxServer:
        server = SandboxServer.start(scenario=scenario, **kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def server(start_sandbox: Any) -> SandboxServer:
    return start_sandbox("happy-path")


@pytest.fixture
def client(server: SandboxServer) -> SandboxClient:
    return SandboxClient(server)


@pytest.fixture
def make_client() -> Any:
    return SandboxClient


@pytest.fixture
def ids() -> SimpleNamespace:
    """The happy-path scenario's names and ids (test modules cannot import conftest)."""
    return SimpleNamespace(tenant=TENANT, operator=OPERATOR, operator_oid=OPERATOR_OID, project=PROJECT,
                           lcs_env=LCS_ENV, target_env=TARGET_ENV, placeholder_env=PLACEHOLDER_ENV, org=ORG,
                           scopes=SCOPES)


@pytest.fixture
def shape_gaps() -> Any:
    """missing_keys(actual, expected): what a sandbox answer lacks compared with the captured payload."""
    return missing_keys


@pytest.fixture
def captured() -> Any:
    """fixture_json: load a captured Microsoft payload by file name."""
    return fixture_json
