"""SIGKILL devhost at the risky moments of a link's life: every run resumes and setup starts once."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from devhost.replay import replay_instance
from devhost.testing import REPO_ROOT, DevhostProcess
from tests.e2e.support import INSTANCE, OPERATOR_NAME, LinkDriver

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def crash_host(product_env, sandbox, tmp_path_factory) -> Iterator[DevhostProcess]:
    # Its own state, so killing it leaves the session's host alone; it always starts with the clock
    # held, so no deadline passes between a restart and the test acting on it.
    process = DevhostProcess(REPO_ROOT, Path(tmp_path_factory.mktemp("crash-host")), env=product_env, args=[
        "--virtual-time", "--hold-clock", "--sandbox-url", sandbox.base_url, "--sandbox-ca", sandbox.ca_cert_path,
        "--no-azurite"])
    process.env["LINK_PUBLIC_BASE_URL"] = process.url
    with process:
        yield process


@pytest.fixture
def crash(crash_host, sandbox, azurite) -> Iterator[LinkDriver]:
    link = LinkDriver(crash_host, sandbox, azurite.connection_string)
    link.reset("happy-path")
    crash_host.hold_clock()
    yield link
    sandbox.set_faults({})
    link.forget_runs()


def kill_and_restart(driver: LinkDriver) -> None:
    driver.host.kill()
    driver.host.start()


def finish_link(driver: LinkDriver) -> dict:
    driver.wait_phase("AwaitingConfirmation")
    assert driver.confirm(OPERATOR_NAME).status == 202
    driver.host.release_clock()
    return driver.wait_phase("Linked", "Failed", "ProvisioningFailed", "ProvisioningTimedOut")


def test_killed_during_validation(crash):
    crash.sandbox.set_faults({"bap": {"latencyMs": 400}, "lcs": {"metadataCallsPerMinute": 0}})
    assert crash.start().status == 202
    kill_and_restart(crash)
    assert finish_link(crash)["phase"] == "Linked"
    assert crash.setup_starts() == 1


def test_killed_while_awaiting_confirmation(crash):
    assert crash.start().status == 202
    crash.wait_phase("AwaitingConfirmation")
    kill_and_restart(crash)
    assert finish_link(crash)["phase"] == "Linked"
    assert crash.setup_starts() == 1


def test_killed_right_after_setup_was_started(crash):
    # LCS answers slowly, so the kill lands after LCS accepted the setup but before the activity returned.
    crash.sandbox.set_faults({"lcs": {"latencyMs": 500, "metadataCallsPerMinute": 0}})
    assert crash.start().status == 202
    crash.wait_phase("AwaitingConfirmation")
    assert crash.confirm(OPERATOR_NAME).status == 202
    crash.host.wait_until(lambda: crash.setup_starts() == 1, timeout=30, interval=0.01)
    kill_and_restart(crash)
    crash.sandbox.set_faults({"lcs": {"metadataCallsPerMinute": 0}})
    crash.host.release_clock()
    linked = crash.wait_phase("Linked", "Failed", "ProvisioningFailed", "ProvisioningTimedOut")
    assert linked["phase"] == "Linked", linked["outcome"]
    assert crash.setup_starts() == 1


def test_killed_during_provisioning(crash):
    assert crash.start().status == 202
    crash.wait_phase("AwaitingConfirmation")
    crash.confirm(OPERATOR_NAME)
    crash.host.release_clock()
    crash.host.wait_until(lambda: (crash.status().get("provisioning") or {}).get("polls", 0) >= 3, timeout=30)
    kill_and_restart(crash)
    crash.host.release_clock()
    assert crash.wait_phase("Linked", "Failed", "ProvisioningFailed")["phase"] == "Linked"
    assert crash.setup_starts() == 1


def test_a_finished_run_replays_to_the_same_actions(crash):
    """The determinism guard: replaying stored history through today's orchestrator must agree."""
    assert crash.start().status == 202
    assert finish_link(crash)["phase"] == "Linked"
    crash.host.wait_for_status(INSTANCE)
    import function_app
    report = replay_instance(function_app.app, crash.host.db_path, INSTANCE)
    assert report.ok, report.problems


UNIFIED_TARGET = "fc384085-a8b1-4b50-926a-e95c355a7195"
UNIFIED_INSTANCE = f"link-{UNIFIED_TARGET}"


def test_unified_killed_right_after_an_install_was_accepted_installs_each_package_once(crash):
    """Platform Tools missing: the kill lands after the Power Platform API accepted the first install but
    before the activity returned; the run resumes, reads the packages, and never installs twice."""
    crash.reset("unified-platform-tools-missing")
    crash.host.hold_clock()
    crash.sandbox.set_faults({"powerplatform": {"latencyMs": 500}, "lcs": {"metadataCallsPerMinute": 0}})
    answer = crash.host.post("/api/links", {"setupMode": "unified", "powerPlatformEnvironmentId": UNIFIED_TARGET,
                                            "operator": "admin@contoso.onmicrosoft.com"})
    assert answer.status == 202, answer.body
    crash.started.add(UNIFIED_INSTANCE)
    crash.wait_phase("AwaitingConfirmation", instance_id=UNIFIED_INSTANCE)
    assert crash.confirm(OPERATOR_NAME, instance_id=UNIFIED_INSTANCE).status == 202
    crash.host.wait_until(lambda: crash.sandbox.install_starts().get(UNIFIED_TARGET), timeout=30, interval=0.01)
    kill_and_restart(crash)
    crash.sandbox.set_faults({"lcs": {"metadataCallsPerMinute": 0}})
    crash.host.release_clock()
    linked = crash.wait_phase("Linked", "Failed", "ProvisioningFailed", "ProvisioningTimedOut",
                              instance_id=UNIFIED_INSTANCE, timeout=120)
    assert linked["phase"] == "Linked", linked["outcome"]
    assert crash.sandbox.install_starts()[UNIFIED_TARGET] == {
        "msdyn_FinanceAndOperationsPlatformToolsAnchor": 1, "msdyn_FinanceAndOperationsProvisioningAppAnchor": 1}
    crash.host.wait_for_status(UNIFIED_INSTANCE)
    import function_app
    report = replay_instance(function_app.app, crash.host.db_path, UNIFIED_INSTANCE)
    assert report.ok, report.problems
