"""Fixtures for tests that run the real app: devhost (virtual time), Azurite and the sandbox.

One sandbox, one Azurite and one devhost serve the whole session, started only when a test asks
for them; each test loads its scenario into the sandbox and removes the runs it made, so tests do
not see each other's state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

pytest.register_assert_rewrite("devhost.testing")  # it is a plugin too (its fixtures), imported just below

from devhost.testing import REPO_ROOT, DevhostProcess  # noqa: E402
from harness.stack import HOST_DEFAULTS  # noqa: E402
from sandbox.server import SandboxServer  # noqa: E402
from services.identity import lcs_sign_in  # noqa: E402
from services.settings import ServiceSettings  # noqa: E402
from tests.e2e.support import APPROVER, OPERATOR, LinkDriver  # noqa: E402

pytest_plugins = ["devhost.testing"]


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer.start("happy-path") as server:
        yield server


@pytest.fixture(scope="session")
def product_env(sandbox: SandboxServer, azurite, tmp_path_factory) -> dict[str, str]:
    env = {
        **HOST_DEFAULTS,
        **sandbox.settings(),
        "AzureWebJobsStorage": azurite.connection_string,
        "DURABLE_TASK_HUB": "EndToEnd",
        "LCS_TOKEN_CACHE": str(tmp_path_factory.mktemp("lcs") / "token-cache.json"),
        "LINK_CONFIRMERS": APPROVER,
        "LINK_DEFAULT_SETUP_MODE": "lcs-api",
        "LCS_METADATA_CALLS_PER_MINUTE": "600",  # see LinkDriver.reset
    }
    # The operator signs in to LCS once, as they would with `python -m cli login`; the sandbox
    # approves the device code as the scenario's operator.
    lcs_sign_in(ServiceSettings.from_env(env), OPERATOR, on_prompt=lambda prompt: None)
    return env


@pytest.fixture(scope="session")
def host(product_env, sandbox: SandboxServer, tmp_path_factory) -> Iterator[DevhostProcess]:
    state = Path(tmp_path_factory.mktemp("devhost"))
    process = DevhostProcess(REPO_ROOT, state, env=product_env, args=[
        "--virtual-time", "--sandbox-url", sandbox.base_url, "--sandbox-ca", sandbox.ca_cert_path, "--no-azurite"])
    process.env["LINK_PUBLIC_BASE_URL"] = process.url  # links in statuses and events point at this host
    with process:
        yield process


@pytest.fixture
def driver(host: DevhostProcess, sandbox: SandboxServer, azurite) -> Iterator[LinkDriver]:
    link = LinkDriver(host, sandbox, azurite.connection_string)
    link.reset("happy-path")
    yield link
    link.forget_runs()
