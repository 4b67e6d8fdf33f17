"""`login` hands the device-code sign-in to services.identity and reports who signed in."""
import pytest

import services.identity
from services.errors import TokenUnavailable
from services.identity import DeviceCodePrompt
from services.models import LcsAccount


@pytest.fixture
def sign_in(monkeypatch):
    calls = []

    def fake(settings, account_hint, on_prompt):
        calls.append((settings, account_hint))
        on_prompt(DeviceCodePrompt("To sign in, enter ABC-123 at https://microsoft.com/devicelogin",
                                   "ABC-123", "https://microsoft.com/devicelogin", 900))
        if account_hint == "wrong@contoso.com":
            raise TokenUnavailable("lcs", "signed in as someone else", "Run login again.", operation="sign in")
        return LcsAccount(upn="adele@contoso.onmicrosoft.com", tenant_id="t-1", object_id="o-1")
    monkeypatch.setattr(services.identity, "lcs_sign_in", fake)
    monkeypatch.setenv("LCS_CLIENT_ID", "public-client")
    return calls


def test_login_shows_the_device_code_and_reports_the_account(sign_in, invoke):
    out = invoke("login", "--account", "adele@contoso.onmicrosoft.com", "--json")
    assert out.code == 0
    assert out.json == {"command": "login", "exitCode": 0,
                        "account": {"upn": "adele@contoso.onmicrosoft.com", "tenantId": "t-1", "objectId": "o-1"}}
    assert "enter ABC-123" in out.stderr  # the prompt reaches the person even with --json
    [(settings, hint)] = sign_in
    assert settings.lcs_client_id == "public-client" and hint == "adele@contoso.onmicrosoft.com"


def test_a_failed_sign_in_exits_8_with_the_remedy(sign_in, invoke):
    out = invoke("login", "--account", "wrong@contoso.com", "--json")
    assert out.code == 8 and "Run login again." in out.json["error"]["detail"]


def test_an_invalid_setting_exits_2(sign_in, invoke, monkeypatch):
    monkeypatch.setenv("HTTP_TIMEOUT_SECONDS", "soon")
    out = invoke("login", "--json")
    assert out.code == 2 and "HTTP_TIMEOUT_SECONDS" in out.json["error"]["detail"]


def test_login_takes_what_the_environment_lacks_from_local_settings(sign_in, invoke, tmp_path, monkeypatch):
    local = tmp_path / "local.settings.json"
    local.write_text('{"Values": {"LCS_CLIENT_ID": "from-file", "LCS_TOKEN_CACHE": "/tmp/cache.json"}}')
    out = invoke("login", "--settings-file", str(local), "--json")
    assert out.code == 0
    [(settings, _)] = sign_in
    assert settings.lcs_client_id == "public-client"  # the environment wins, as in devhost
    assert settings.lcs_token_cache == "/tmp/cache.json"


def test_login_with_a_broken_local_settings_file_exits_2(sign_in, invoke, tmp_path):
    local = tmp_path / "local.settings.json"
    local.write_text("{not json")
    out = invoke("login", "--settings-file", str(local), "--json")
    assert out.code == 2 and "not JSON" in out.json["error"]["detail"]
