"""Every command through the typer app in-process: exit codes, --json shapes, what people read."""
import pytest

from cli.client import LinkApi, easy_auth_headers
from tests.cli.conftest import LCS_ENV, LINK_ARGS, OPERATOR
from tests.cli.fake_api import FAILED_CHECK

INSTANCE = f"link-{LCS_ENV.lower()}"


def start(invoke):
    assert invoke("link", *LINK_ARGS, "--no-wait").code == 0


def test_link_no_wait_returns_the_instance_and_review_url(api, invoke):
    out = invoke("link", *LINK_ARGS, "--no-wait", "--json")
    assert out.code == 0
    assert out.json == {"command": "link", "exitCode": 0, "instanceId": INSTANCE, "phase": None,
                        "reviewUrl": f"{api.url}/api/links/{INSTANCE}/review"}
    assert api.runs[INSTANCE].request == {"lcsProjectId": 1234567, "lcsEnvironmentId": LCS_ENV,
                    "powerPlatformEnvironmentId": "0f7c6a3e-1b2d-4c5e-8f90-a1b2c3d4e5f6", "operator": OPERATOR}


def test_link_sends_the_optional_fields_it_is_given(api, invoke):
    invoke("link", *LINK_ARGS, "--no-wait", "--setup-mode", "lcs-api", "--confirmation-timeout", "PT2H",
           "--correlation-id", "change-1")
    request = api.runs[INSTANCE].request
    assert (request["setupMode"], request["confirmationTimeout"], request["correlationId"]) == (
        "lcs-api", "PT2H", "change-1")


def test_bad_input_exits_2_with_the_field_errors(invoke):
    out = invoke("link", "-p", "1", "-e", LCS_ENV, "-t", LCS_ENV, "-o", "not-a-upn", "--json")
    assert out.code == 2
    assert out.json["error"]["status"] == 400
    assert out.json["error"]["errors"] == [{"field": "operator", "message": "must be the operator's user principal name"}]


def test_missing_required_option_is_a_usage_error_with_code_2(invoke):
    assert invoke("link", "-p", "1").code == 2


@pytest.mark.parametrize("ending, code", [("ProvisioningFailed", 5), ("ProvisioningTimedOut", 5), ("Failed", 8)])
def test_provisioning_endings_map_to_exit_codes(api, invoke, ending, code):
    api.ending = ending
    out = invoke("link", *LINK_ARGS, "--confirm-name", "Adele Vance", "--json")
    assert out.code == code and out.json["phase"] == ending and out.json["exitCode"] == code


def test_an_expired_confirmation_exits_4(api, invoke):
    start(invoke)
    api.expire_confirmation = True
    out = invoke("status", INSTANCE, "--wait", "--json")
    assert out.code == 4 and out.json["phase"] == "ConfirmationExpired"


def test_timeout_while_following_exits_8_with_the_last_phase(api, invoke):
    api.stall = True
    out = invoke("link", *LINK_ARGS, "--json", timeout="0.05")
    assert out.code == 8 and out.json["phase"] == "Validating" and "time allowed" in out.json["error"]["title"]


def test_status_of_a_running_link_exits_0_and_shows_progress(api, invoke):
    start(invoke)
    out = invoke("status", INSTANCE)
    assert out.code == 0
    assert INSTANCE in out.stdout and "Validating" in out.stdout


def test_preflight_passes_with_0_and_fails_with_3(api, invoke):
    out = invoke("preflight", *LINK_ARGS, "--json")
    assert out.code == 0 and out.json["phase"] == "Validated" and out.json["status"]["kind"] == "preflight"
    assert len(out.json["status"]["checks"]) == 2
    api.checks.append(FAILED_CHECK)
    out = invoke("preflight", *LINK_ARGS)
    assert out.code == 3 and "Assign a Finance license." in out.stdout


def test_confirm_command_waits_for_validation_then_confirms(api, invoke):
    start(invoke)
    out = invoke("confirm", INSTANCE, "--name", "Adele Vance", "--json")
    assert out.code == 0 and out.json["phase"] == "Linked"


def test_confirm_with_a_wrong_name_exits_2(api, invoke):
    start(invoke)
    out = invoke("confirm", INSTANCE, "--name", "Bob", "--json")
    assert out.code == 2 and out.json["status"]["confirmation"]["attempts"][-1]["accepted"] is False


def test_confirm_by_someone_else_is_forbidden_and_exits_8(api, invoke):
    start(invoke)
    for _ in range(3):
        invoke("status", INSTANCE)  # three reads take the fake run to AwaitingConfirmation
    out = invoke("confirm", INSTANCE, "--name", "Adele Vance", "--json", principal="mallory@contoso.com")
    assert out.code == 8 and out.json["error"]["status"] == 403


def test_confirm_without_a_principal_is_unauthenticated(api, invoke):
    start(invoke)
    for _ in range(3):
        invoke("status", INSTANCE)
    out = invoke("confirm", INSTANCE, "--name", "Adele Vance", "--no-wait", "--json", principal=None)
    assert out.code == 8 and out.json["error"]["status"] == 401


def test_confirm_after_setup_started_is_a_conflict(api, invoke):
    invoke("link", *LINK_ARGS, "--confirm-name", "Adele Vance")
    out = invoke("confirm", INSTANCE, "--name", "Adele Vance", "--json")
    assert out.code == 6 and out.json["phase"] == "Linked" and out.json["error"]["status"] == 409


def test_confirm_no_wait_needs_a_name(api, invoke):
    start(invoke)
    assert invoke("confirm", INSTANCE, "--no-wait", "--json").code == 2


def test_cancel_exits_0_once_cancelled(api, invoke):
    start(invoke)
    out = invoke("cancel", INSTANCE, "--reason", "wrong target", "--json")
    assert out.code == 0 and out.json["phase"] == "Cancelled"
    assert api.runs[INSTANCE].outcome["result"] == "Cancelled"


def test_cancel_after_setup_started_exits_6(api, invoke):
    invoke("link", *LINK_ARGS, "--confirm-name", "Adele Vance")
    out = invoke("cancel", INSTANCE, "--json")
    assert out.code == 6 and out.json["command"] == "cancel"


def test_list_shows_runs_and_filters_by_phase(api, invoke):
    start(invoke)
    out = invoke("list", "--json")
    assert out.code == 0 and [i["instanceId"] for i in out.json["items"]] == [INSTANCE]
    filtered = invoke("list", "--phase", "Linked", "--json").json
    assert filtered["items"] == [] and filtered["counts"] == {"Validating": 1}
    assert api.requests[-1]["query"] == {}  # every run once, for the counts; filtered here
    text = invoke("list", "--phase", "Validating").stdout
    assert INSTANCE in text and "1 run: 1 Validating. Showing 1 in phase Validating." in text


def test_list_rejects_an_unknown_phase_as_usage_error(invoke):
    assert invoke("list", "--phase", "Sideways").code == 2


def test_unreachable_api_exits_8(invoke):
    out = invoke("list", "--json", url="http://127.0.0.1:9")
    assert out.code == 8 and out.json["error"]["status"] is None


def test_text_from_the_api_is_printed_literally_not_as_markup(api, invoke):
    api.display_name = "[bold red]Adele[/bold red] Vance"
    start(invoke)
    for _ in range(3):
        invoke("status", INSTANCE)
    out = invoke("status", INSTANCE)
    assert "[bold red]Adele[/bold red] Vance" in out.stdout


def test_easy_auth_headers_round_trip():
    headers = easy_auth_headers("adele@contoso.com")
    assert headers["X-MS-CLIENT-PRINCIPAL-NAME"] == "adele@contoso.com"
    assert "k3y" not in repr(LinkApi("http://x", function_key="k3y"))


def test_status_names_the_environments_and_verbose_adds_the_evidence(api, invoke):
    start(invoke)
    for _ in range(3):
        invoke("status", INSTANCE)
    plain = invoke("status", INSTANCE).stdout
    assert "Target: Contoso Finance UAT (0f7c6a3e-1b2d-4c5e-8f90-a1b2c3d4e5f6)" in plain
    assert f"Finance and operations: CONTOSO-UAT ({LCS_ENV})" in plain
    assert "https://admin.powerplatform.microsoft.com/environments/0f7c6a3e-1b2d-4c5e-8f90-a1b2c3d4e5f6/hub" in plain
    assert "freeGb" not in plain
    assert "freeGb: 12" in invoke("status", INSTANCE, "--verbose").stdout
    assert "freeGb: 12" in invoke("--verbose", "status", INSTANCE).stdout


def test_audit_shows_who_confirmed_with_what_name_and_json_is_the_record(api, invoke):
    invoke("link", *LINK_ARGS, "--confirm-name", "Adele Vance")
    out = invoke("audit", INSTANCE, "--json")
    assert out.code == 0 and out.json["command"] == "audit"
    record = out.json["audit"]
    assert [a["typedName"] for a in record["confirmation"]["attempts"]] == ["Adele Vance"]
    assert record["outcome"]["result"] == "Linked"
    text = invoke("audit", INSTANCE).stdout
    assert f"Audit of {INSTANCE}" in text and "typed \u201cAdele Vance\u201d, accepted" in text
    assert "Outcome: Linked" in text


def test_audit_of_an_unknown_run_exits_7(invoke):
    assert invoke("audit", "link-nope", "--json").code == 7
