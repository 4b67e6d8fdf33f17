"""`python -m cli` as a script would run it: exit codes and --json documents."""
import base64
import json

from tests.cli.conftest import LCS_ENV, LINK_ARGS, OPERATOR, PP_ENV


def test_unattended_link_runs_to_linked(api, run_cli):
    out = run_cli("--json", "link", *LINK_ARGS, "--confirm-name", "Adele Vance", env={"LINK_API_KEY": "k3y-s3cret"})
    assert out.code == 0, out.stderr
    document = out.json
    assert document["command"] == "link" and document["exitCode"] == 0
    assert document["instanceId"] == f"link-{LCS_ENV.lower()}"
    assert document["phase"] == "Linked"
    assert document["reviewUrl"] == f"{api.url}/api/links/link-{LCS_ENV.lower()}/review"
    assert document["status"]["outcome"]["disconnectedEnvironment"]["displayName"] == "Contoso initial"
    assert [a["accepted"] for a in document["status"]["confirmation"]["attempts"]] == [True]
    start = api.requests[0]
    assert start["path"] == "/api/links" and start["headers"]["X-Functions-Key"] == "k3y-s3cret"
    principal = json.loads(base64.b64decode(start["headers"]["X-Ms-Client-Principal"]))
    assert principal == {"auth_typ": "aad", "claims": [{"typ": "preferred_username", "val": OPERATOR}],
                         "name_typ": "preferred_username", "role_typ": "roles"}
    assert "k3y-s3cret" not in out.stdout + out.stderr


def test_a_wrong_unattended_name_exits_2_and_leaves_the_run_waiting(api, run_cli):
    out = run_cli("--json", "link", *LINK_ARGS, "--confirm-name", "Someone Else")
    assert out.code == 2
    assert out.json["phase"] == "AwaitingConfirmation"
    [attempt] = out.json["status"]["confirmation"]["attempts"]
    assert attempt["accepted"] is False and attempt["typedName"] == "Someone Else"


def test_the_operator_is_asked_again_until_the_name_is_accepted(api, run_cli):
    out = run_cli("link", *LINK_ARGS, stdin="Adel Vance\nAdele Vance\n")
    assert out.code == 0, out.stderr
    assert "Type the operator's name to confirm (Adele Vance)" in out.stderr
    assert "This action can't be undone" in out.stdout and "Contoso initial" in out.stdout
    assert "Outcome: Linked" in out.stdout
    run = api.runs[f"link-{LCS_ENV.lower()}"]
    assert [a["accepted"] for a in run.attempts] == [False, True]


def test_end_of_input_at_the_prompt_leaves_the_run_waiting(api, run_cli):
    out = run_cli("--json", "link", *LINK_ARGS, stdin="")
    assert out.code == 0 and out.json["phase"] == "AwaitingConfirmation"
    assert out.json["status"]["confirmation"]["attempts"] == []


def test_validation_failure_exits_3_with_the_remediation(api, run_cli):
    api.checks.append({"id": "operator-license", "title": "Operator license", "outcome": "failed",
                       "detail": "No license", "remediation": "Assign a Finance license.", "evidence": {}})
    out = run_cli("link", *LINK_ARGS)
    assert out.code == 3
    assert "Assign a Finance license." in " ".join(out.stdout.split())
    assert "ValidationFailed" in out.stdout


def test_conflict_exits_6_and_names_the_existing_run(api, run_cli):
    assert run_cli("link", *LINK_ARGS, "--no-wait").code == 0
    out = run_cli("--json", "link", *LINK_ARGS)
    assert out.code == 6
    assert out.json["instanceId"] == f"link-{LCS_ENV.lower()}"
    assert out.json["error"]["status"] == 409


def test_status_of_an_unknown_run_exits_7(run_cli):
    out = run_cli("status", "link-nope", "--json")
    assert out.code == 7 and out.json["error"]["status"] == 404 and out.json["command"] == "status"


def test_unified_link_sends_the_provisioning_app_options_and_no_lcs_fields(api, run_cli):
    out = run_cli("--json", "link", "-t", PP_ENV, "-o", OPERATOR, "--setup-mode", "unified", "--developer-tools",
                  "--app-version", "10.0.44", "--confirm-name", "Adele Vance")
    assert out.code == 0, out.stderr
    assert out.json["instanceId"] == f"link-{PP_ENV.lower()}"
    assert api.runs[f"link-{PP_ENV.lower()}"].request == {"powerPlatformEnvironmentId": PP_ENV, "operator": OPERATOR, "setupMode": "unified",
                    "provisioningApp": {"developerTools": True, "version": "10.0.44"}}
