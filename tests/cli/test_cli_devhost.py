"""The CLI's real entry point against the real app on devhost, with the sandbox playing Microsoft."""
import json
import os
import subprocess
import sys

import pytest

from tests.cli.conftest import ROOT, Outcome
from tests.cli.stack import (
    INSTANCE, LINK_ARGS, OPERATOR, OPERATOR_NAME, PLACEHOLDER, running_stack,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(azurite, tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("cli-stack"), azurite.connection_string, "CliTests") as running:
        yield running


@pytest.fixture
def cli(stack):
    stack.use_scenario("happy-path")

    def run(*args, stdin="", principal=OPERATOR):
        options = ["--url", stack.url, "--poll-interval", "0.05", "--timeout", "120"]
        if principal:
            options += ["--principal", principal]
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINK_")} | stack.env
        done = subprocess.run([sys.executable, "-m", "cli", *options, *args], input=stdin, text=True,
                              capture_output=True, cwd=ROOT, env=env, timeout=180)
        return Outcome(done.returncode, done.stdout, done.stderr)
    with stack.clock_held_until_confirmed():
        yield run
    stack.forget_runs()


@pytest.fixture(scope="module")
def signed_in(stack):
    """`login` first, as an operator would: the app's LCS calls use the token cache it fills."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINK_")} | stack.env
    done = subprocess.run([sys.executable, "-m", "cli", "--json", "login", "--account", OPERATOR], text=True,
                          capture_output=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "/_sandbox/devicelogin" in done.stderr  # the device code prompt reached the person
    return json.loads(done.stdout)


def test_login_signs_the_operator_in(signed_in):
    assert signed_in["command"] == "login" and signed_in["account"]["upn"] == OPERATOR


def test_preflight_passes_every_check(signed_in, cli):
    out = cli("--json", "preflight", *LINK_ARGS)
    assert out.code == 0, out.stderr
    assert out.json["phase"] == "Validated" and out.json["status"]["kind"] == "preflight"
    checks = out.json["status"]["checks"]
    assert len(checks) == 10 and {c["outcome"] for c in checks} == {"passed"}


def test_unattended_link_is_linked_and_then_visible_everywhere(signed_in, cli):
    out = cli("--json", "link", *LINK_ARGS, "--confirm-name", OPERATOR_NAME)
    assert out.code == 0, out.stderr
    document = out.json
    assert document["instanceId"] == INSTANCE and document["phase"] == "Linked"
    assert document["reviewUrl"].endswith(f"/api/links/{INSTANCE}/review")
    assert document["status"]["outcome"]["disconnectedEnvironment"]["id"] == PLACEHOLDER
    assert [a["accepted"] for a in document["status"]["confirmation"]["attempts"]] == [True]

    status = cli("--json", "status", INSTANCE)
    assert status.code == 0 and status.json["phase"] == "Linked"
    listed = cli("--json", "list", "--phase", "Linked")
    assert [item["instanceId"] for item in listed.json["items"]] == [INSTANCE]

    again = cli("--json", "link", *LINK_ARGS, "--no-wait")
    assert again.code == 6 and again.json["instanceId"] == INSTANCE
    assert cli("--json", "cancel", INSTANCE).code == 6


def test_interactive_link_asks_again_after_a_wrong_name(signed_in, cli):
    out = cli("link", *LINK_ARGS, stdin=f"Adele V.\n{OPERATOR_NAME}\n")
    assert out.code == 0, out.stderr
    assert f"Type the operator's name to confirm ({OPERATOR_NAME})" in out.stderr
    assert "This action can't be undone" in out.stdout
    assert "Outcome: Linked" in out.stdout
    # Live progress on a non-terminal stderr: one line per change, provisioning included.
    assert "Provisioning polled" in out.stderr


def test_wrong_unattended_name_exits_2_then_cancel_exits_0(signed_in, cli):
    out = cli("--json", "link", *LINK_ARGS, "--confirm-name", "Someone Else")
    assert out.code == 2 and out.json["phase"] == "AwaitingConfirmation"
    assert out.json["status"]["confirmation"]["attempts"][-1]["accepted"] is False
    cancelled = cli("--json", "cancel", INSTANCE, "--reason", "wrong approver")
    assert cancelled.code == 0 and cancelled.json["phase"] == "Cancelled"


def test_someone_else_may_not_confirm(signed_in, cli):
    assert cli("link", *LINK_ARGS, "--no-wait").code == 0
    out = cli("--json", "confirm", INSTANCE, "--name", OPERATOR_NAME, principal="megan@contoso.onmicrosoft.com")
    assert out.code == 8 and out.json["error"]["status"] == 403


def test_failed_validation_exits_3(signed_in, cli, stack):
    stack.use_scenario("no-finance-license")
    out = cli("--json", "link", *LINK_ARGS)
    assert out.code == 3 and out.json["phase"] == "ValidationFailed"
    failed = [c["id"] for c in out.json["status"]["checks"] if c["outcome"] == "failed"]
    assert failed == ["operator-license"]


def test_failed_provisioning_exits_5(signed_in, cli, stack):
    stack.use_scenario("provisioning-fails")
    out = cli("--json", "link", *LINK_ARGS, "--confirm-name", OPERATOR_NAME)
    assert out.code == 5 and out.json["phase"] == "ProvisioningFailed"


def test_bad_input_and_unknown_runs(cli):
    bad = cli("--json", "link", "-p", "0", "-e", "not-a-guid", "-t", "x", "-o", "nobody")
    assert bad.code == 2
    assert {e["field"] for e in bad.json["error"]["errors"]} >= {"lcsProjectId", "lcsEnvironmentId", "operator"}
    missing = cli("--json", "status", "link-00000000-0000-0000-0000-000000000000")
    assert missing.code == 7
