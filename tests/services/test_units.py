"""Settings, values, OData building, the LCS rate limiter, the token cache store and the wiring of
ServiceClients: everything that needs no server."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
import trustme

from services.clients import ServiceClients, get_clients
from services.errors import HostNotAllowed, ServiceError, TokenUnavailable
from services.identity import AppTokenProvider, LcsTokenProvider, dataverse_scope
from services.lcs import LcsPaths, ProjectRateLimiter
from services.odata import literal, segment, with_query
from services.settings import ServiceSettings
from services.tokencache import FileTokenCacheStore, token_cache_store
from domain.values import guid_or_text, iso_utc, normalize_guid
from tests.services.support import RecordingSleep


# --- settings -------------------------------------------------------------------------------------

def test_defaults_are_production():
    s = ServiceSettings.from_env({})
    assert s.authority_host == "https://login.microsoftonline.com"
    assert not s.disable_instance_discovery and s.ca_bundle is None
    assert (s.lcs_base_url, s.bap_base_url, s.powerplatform_api_base_url, s.graph_base_url) == (
        "https://lcsapi.lcs.dynamics.com", "https://api.bap.microsoft.com", "https://api.powerplatform.com",
        "https://graph.microsoft.com")
    assert s.dataverse_allowed_hosts == ("*.dynamics.com",)
    assert (s.lcs_metadata_calls_per_minute, s.http_timeout_seconds, s.http_max_retries) == (6, 30.0, 5)


def test_settings_from_environment():
    s = ServiceSettings.from_env({
        "AZURE_AUTHORITY_HOST": "https://127.0.0.1:8443/", "IDENTITY_DISABLE_INSTANCE_DISCOVERY": "true",
        "SERVICES_CA_BUNDLE": "/tmp/ca.pem", "BAP_BASE_URL": "https://127.0.0.1:8443/bap/",
        "DATAVERSE_ALLOWED_HOSTS": " 127.0.0.1 , *.crm4.dynamics.com,", "LCS_METADATA_CALLS_PER_MINUTE": "3",
        "HTTP_TIMEOUT_SECONDS": "2.5", "HTTP_MAX_RETRIES": "0", "AZURE_CLIENT_SECRET": "s3cr3t"})
    assert s.authority_host == "https://127.0.0.1:8443" and s.bap_base_url == "https://127.0.0.1:8443/bap"
    assert s.disable_instance_discovery and s.ca_bundle == "/tmp/ca.pem"
    assert s.dataverse_allowed_hosts == ("127.0.0.1", "*.crm4.dynamics.com")
    assert (s.lcs_metadata_calls_per_minute, s.http_timeout_seconds, s.http_max_retries) == (3, 2.5, 0)
    assert "s3cr3t" not in repr(s)


@pytest.mark.parametrize("name, value", [("IDENTITY_DISABLE_INSTANCE_DISCOVERY", "maybe"),
                                         ("HTTP_MAX_RETRIES", "many"), ("HTTP_TIMEOUT_SECONDS", "-1")])
def test_bad_settings_are_named(name, value):
    with pytest.raises(ValueError, match=name):
        ServiceSettings.from_env({name: value})


# --- values and OData -----------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["D15ED3A8C2C14054840B946C93915DA9", "d15ed3a8-c2c1-4054-840b-946c93915da9",
                                   "{D15ED3A8-C2C1-4054-840B-946C93915DA9}"])
def test_guids_normalize_to_lower_dashed(value):
    assert normalize_guid(value) == "d15ed3a8-c2c1-4054-840b-946c93915da9"


@pytest.mark.parametrize("value", ["72ad15fq-3m88-4e15-be25-8751c9bd0764", "123", "", "d15ed3a8c2c1-4054-840b"])
def test_non_guids_are_rejected_strictly_and_kept_leniently(value):
    with pytest.raises(ValueError):
        normalize_guid(value)
    assert guid_or_text(value) == (value or None)


@pytest.mark.parametrize("value, expected", [
    ("2025-11-30T08:52:06.3330393+00:00", "2025-11-30T08:52:06.333039Z"),
    ("2023-09-27T07:08:27Z", "2023-09-27T07:08:27Z"),
    ("2024-01-01T10:00:00", "2024-01-01T10:00:00Z"),  # LCS history: no zone, meaning UTC
    ("2024-01-01T12:00:00+02:00", "2024-01-01T10:00:00Z"),
    ("8/5/2021 11:00 PM", "8/5/2021 11:00 PM"),  # not ISO: kept rather than lost
    (None, None),
])
def test_timestamps(value, expected):
    assert iso_utc(value) == expected


def test_odata_literal_doubles_single_quotes():
    assert literal("o'brien@contoso.com") == "'o''brien@contoso.com'"
    assert literal("x' or 1 eq 1 or 'a") == "'x'' or 1 eq 1 or ''a'"


def test_path_segments_encode_every_reserved_character():
    assert segment("o'brien_contoso.com#EXT#@fabrikam.onmicrosoft.com") == \
        "o%27brien_contoso.com%23EXT%23%40fabrikam.onmicrosoft.com"
    assert segment("../admin") == "..%2Fadmin"


def test_query_encoding_keeps_plus_and_spaces_apart():
    url = with_query("https://h/users", {"$filter": "userPrincipalName eq 'a+b@c.com'", "$select": "id,mail"})
    assert url == "https://h/users?$filter=userPrincipalName%20eq%20%27a%2Bb%40c.com%27&$select=id,mail"


def test_lcs_paths_live_in_one_place():
    env = "d15ed3a8-c2c1-4054-840b-946c93915da9"
    assert LcsPaths.environment_detail(1234567) == "/environmentinfo/v1/detail/project/1234567/"
    assert LcsPaths.integration(1234567, env) == \
        f"/environment/v1/powerplatformintegration/project/1234567/environment/{env}"
    assert LcsPaths.setup(1234567, env) == \
        f"/environment/v1/powerplatformintegration/setup/project/1234567/environment/{env}"


def test_dataverse_scope_drops_the_trailing_slash():
    assert dataverse_scope("https://org.crm4.dynamics.com/") == "https://org.crm4.dynamics.com/.default"


# --- LCS rate limiter -----------------------------------------------------------------------------

def call(limiter: ProjectRateLimiter, project: int, sleep, takes: float = 0.0) -> float:
    """One metadata call that takes `takes` seconds; returns when it was let go."""
    with limiter.calling(project):
        let_go = sleep.now
        sleep.now += takes
    return let_go


def test_limiter_lets_six_calls_through_then_waits_for_the_oldest_to_leave_the_window():
    sleep = RecordingSleep()
    limiter = ProjectRateLimiter(6, sleep=sleep, clock=sleep.clock)
    for _ in range(6):
        call(limiter, 1, sleep)
        sleep.now += 1  # one call a second
    assert sleep.waits == []
    call(limiter, 1, sleep)
    assert sleep.waits == [pytest.approx(54.0)]  # first answer at t=0 leaves the window at t=60


def test_a_call_holds_its_place_until_its_answer_is_back():
    sleep = RecordingSleep()
    limiter = ProjectRateLimiter(1, sleep=sleep, clock=sleep.clock)
    call(limiter, 1, sleep, takes=5.0)  # let go at 0, answered at 5: LCS may have counted it as late as 5
    call(limiter, 1, sleep)
    assert sleep.waits == [pytest.approx(60.0)]  # let go at 65, not at 60


def test_limiter_counts_projects_apart():
    sleep = RecordingSleep()
    limiter = ProjectRateLimiter(2, sleep=sleep, clock=sleep.clock)
    for project in (1, 1, 2, 2):
        call(limiter, project, sleep)
    assert sleep.waits == []
    call(limiter, 2, sleep)
    assert sleep.waits == [60.0]


def test_limiter_never_allows_more_than_the_limit_in_any_minute():
    sleep = RecordingSleep()
    limiter = ProjectRateLimiter(6, sleep=sleep, clock=sleep.clock)
    times = [call(limiter, 7, sleep, takes=0.3) for _ in range(20)]
    assert all(sum(1 for t in times if start <= t < start + 60) <= 6 for start in times)


# --- token cache store ----------------------------------------------------------------------------

def test_file_store_round_trip_is_private(tmp_path):
    store = FileTokenCacheStore(str(tmp_path / "nested" / "cache.json"))
    assert store.load() is None
    store.save('{"AccessToken": {}}')
    store.save('{"RefreshToken": {}}')
    assert store.load() == '{"RefreshToken": {}}'
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert os.listdir(tmp_path / "nested") == ["cache.json"]  # no temp files left behind


def test_token_cache_url_with_a_sas_is_refused_clearly():
    with pytest.raises(TokenUnavailable, match="no SAS"):
        token_cache_store(ServiceSettings(lcs_token_cache="https://acct.blob.core.windows.net/c/cache.json?sig=x"))


def offline(tmp_path, **extra) -> ServiceSettings:
    # An authority nobody listens on: any network use would surface as "could not be reached".
    return ServiceSettings(authority_host="https://127.0.0.1:9", disable_instance_discovery=True,
                           lcs_token_cache=str(tmp_path / "cache.json"), http_max_retries=0, **extra)


def test_empty_lcs_cache_says_which_command_to_run_without_network(tmp_path):
    settings = offline(tmp_path, lcs_client_id="11111111-1111-1111-1111-111111111111")
    provider = LcsTokenProvider(settings, token_cache_store(settings))
    with pytest.raises(TokenUnavailable) as caught:
        provider.token("o'brien@contoso.com")
    assert caught.value.remedy == "Run `python -m cli login --account o'brien@contoso.com` to sign in to Lifecycle Services."
    assert "no Lifecycle Services sign-in" in caught.value.message
    assert caught.value.to_dict()["remedy"] == caught.value.remedy


def test_lcs_client_reports_a_missing_sign_in_as_an_error(tmp_path):
    clients = ServiceClients(offline(tmp_path, lcs_client_id="11111111-1111-1111-1111-111111111111"))
    with pytest.raises(TokenUnavailable):
        clients.lcs("admin@contoso.onmicrosoft.com").get_environment(1234567, "d15ed3a8c2c14054840b946c93915da9")
    with pytest.raises(TokenUnavailable):
        clients.lcs("admin@contoso.onmicrosoft.com").signed_in_account()


def test_app_token_failure_is_a_token_error_without_the_secret(tmp_path):
    settings = offline(tmp_path, tenant_id="contoso.onmicrosoft.com", client_id="app", client_secret="s3cr3t-value")
    with pytest.raises(TokenUnavailable) as caught:
        AppTokenProvider(settings).token("https://graph.microsoft.com/.default", service="graph")
    assert caught.value.service == "graph"
    assert "s3cr3t-value" not in str(caught.value) and "s3cr3t-value" not in repr(caught.value.to_dict())


@pytest.mark.parametrize("extra, kind", [
    ({"tenant_id": "t", "client_id": "c", "client_secret": "s"}, "ClientSecretCredential"),
    ({"tenant_id": "t", "client_id": "c", "client_certificate_path": "CERT"}, "CertificateCredential"),
    ({}, "DefaultAzureCredential"),
])
def test_credential_follows_the_settings(tmp_path, extra, kind):
    if extra.get("client_certificate_path") == "CERT":
        pem = tmp_path / "app.pem"
        trustme.CA().issue_cert("app", key_type=trustme.KeyType.RSA).private_key_and_cert_chain_pem.write_to_path(str(pem))
        extra = {**extra, "client_certificate_path": str(pem)}
    assert type(AppTokenProvider(offline(tmp_path, **extra)).credential()).__name__ == kind


# --- wiring ---------------------------------------------------------------------------------------

def test_dataverse_off_the_allow_list_is_refused_before_any_token(tmp_path, monkeypatch):
    def no_token(*args, **kwargs):
        raise AssertionError("a token was requested")
    monkeypatch.setattr(AppTokenProvider, "token", no_token)
    clients = ServiceClients(offline(tmp_path))
    for url in ("https://evil.example.com/", "https://org.crm4.dynamics.com.evil.net",
                "http://org.crm4.dynamics.com", "https://org.crm4.dynamics.com/?x=1"):
        with pytest.raises(HostNotAllowed):
            clients.dataverse(url)
    assert isinstance(clients.dataverse("https://org.crm4.dynamics.com/"), object)


def test_clients_are_built_once(tmp_path):
    clients = ServiceClients(offline(tmp_path))
    assert clients.bap is clients.bap and clients.graph is clients.graph
    assert clients.dataverse("https://org.crm.dynamics.com/") is clients.dataverse("https://ORG.crm.dynamics.com")
    assert clients.lcs("A@contoso.com") is clients.lcs("a@contoso.com")


def test_get_clients_is_one_per_process(monkeypatch):
    get_clients.cache_clear()
    monkeypatch.setenv("HTTP_MAX_RETRIES", "2")
    try:
        assert get_clients() is get_clients()
        assert get_clients().settings.http_max_retries == 2
    finally:
        get_clients.cache_clear()


def test_importing_the_clients_loads_neither_azure_identity_nor_msal():
    code = ("import sys, services.clients, services.identity; "
            "print(sorted(m for m in sys.modules if m.startswith(('azure.identity', 'msal'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert out.stdout.strip() == "[]"


def test_errors_render_as_documented():
    error = ServiceError("bap", "get_environment", 403, "X", "message")
    assert str(error) == "bap get_environment: HTTP 403 Forbidden (code X): message"
    assert error.to_dict() == {"service": "bap", "operation": "get_environment", "status": 403,
                               "code": "X", "message": "message"}


def test_retried_metadata_calls_count_against_the_limit():
    sleep = RecordingSleep()
    limiter = ProjectRateLimiter(2, sleep=sleep, clock=sleep.clock)
    with limiter.calling(5):
        limiter.count_retry("/lcs/environmentinfo/v1/detail/project/5/?environmentId=x")
        limiter.count_retry("/lcs/environment/v1/powerplatformintegration/project/5/environment/x")  # not metadata
    assert sleep.waits == []
    call(limiter, 5, sleep)
    assert sleep.waits == [60.0]