"""The real clients against the sandbox: the same code paths as production, pointed at it by settings.

Waits go through a recording sleep (the retry policy's and the LCS limiter's); assertions are on the
waits the client asked for and on the sandbox's call log, never on wall time.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import requests

from sandbox.server import SandboxServer
from services.clients import ServiceClients
from services.errors import (
    HostNotAllowed,
    LcsRequestRefused,
    NotFound,
    PermissionDenied,
    ServiceUnavailable,
    Throttled,
    TokenUnavailable,
)
from services.identity import lcs_sign_in
from services.models import FinOpsIntegration, LcsAccount, SecurityRole, TenantCapacity
from services.capacity import StorageCapacity
from services.settings import ServiceSettings

ADMIN = "admin@contoso.onmicrosoft.com"
AUDITOR = "megan@contoso.onmicrosoft.com"
OBRIEN = "o'brien@contoso.onmicrosoft.com"
TENANT = "79562a4e-2fbc-4052-acd5-22a6b7eea543"
ADMIN_OID = "75bde90b-0c7a-4538-8a6b-dc8101ead110"
PROJECT = 1234567
UAT = "a98e06c0-b563-411f-9431-23b5ed5c93ed"
PLACEHOLDER = "750624cc-6ea7-4181-889c-03048fc5b47b"
TARGET = "fc384085-a8b1-4b50-926a-e95c355a7195"
SYSTEM_ADMINISTRATOR = "627090ff-40a3-4053-8790-584edc5be201"

# happy-path, plus a user whose UPN holds an apostrophe, and device codes approved by the test.
SCENARIO = {
    "extends": "happy-path",
    "signIn": {"autoApprove": False, "pollIntervalSeconds": 0},
    "users": {OBRIEN: {"objectId": "2c6a3f1e-8d0b-4f7e-9a55-0e6f4b1d2c3a", "displayName": "Siobhan O'Brien",
                       "licenses": [], "directoryRoles": []}},
}


@pytest.fixture(scope="module")
def sandbox():
    server = SandboxServer.start(scenario=SCENARIO, port=0)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def token_cache(sandbox, tmp_path_factory) -> str:
    """Both LCS users signed in once through the device code flow, as the CLI's login does."""
    path = str(tmp_path_factory.mktemp("lcs") / "token-cache.json")
    settings = ServiceSettings.from_env({**sandbox.settings(), "LCS_TOKEN_CACHE": path})
    for upn in (ADMIN, AUDITOR):
        assert lcs_sign_in(settings, upn, lambda prompt, upn=upn: approve(sandbox, prompt.user_code, upn)).upn == upn
    return path


def approve(sandbox, user_code: str, upn: str) -> None:
    answer = requests.post(f"{sandbox.base_url}/_sandbox/devicecodes/approve", json={"user_code": user_code, "upn": upn},
                           verify=sandbox.ca_cert_path, timeout=10)
    answer.raise_for_status()


class Waits:
    """The client's sleep: records each wait and, by default, lets that much sandbox time pass."""

    def __init__(self, sandbox, on_wait=None):
        self.sandbox = sandbox
        self.seconds: list[float] = []
        self.on_wait = on_wait

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        self.sandbox.clock.advance(seconds)
        if self.on_wait:
            self.on_wait(seconds)

    def clock(self) -> float:
        return self.sandbox.clock.now().timestamp()


@pytest.fixture
def fresh(sandbox):
    sandbox.reset()
    sandbox.set_faults({})
    sandbox.sandbox.calls.clear()
    yield sandbox
    sandbox.set_faults({})


def make_clients(sandbox, token_cache, waits=None, **overrides) -> ServiceClients:
    settings = ServiceSettings.from_env({**sandbox.settings(), "LCS_TOKEN_CACHE": token_cache,
                                         "HTTP_MAX_RETRIES": "3", **overrides})
    waits = waits or Waits(sandbox)
    return ServiceClients(settings, sleep=waits, clock=waits.clock)


def service_calls(sandbox, service: str) -> list[dict]:
    return [c for c in sandbox.calls() if c["service"] == service]


# --- success --------------------------------------------------------------------------------------

def test_lcs_environment_integration_and_account(fresh, token_cache):
    lcs = make_clients(fresh, token_cache).lcs(ADMIN)
    env = lcs.get_environment(PROJECT, UAT.replace("-", "").upper())
    assert (env.environment_id, env.name, env.environment_type, env.region) == (UAT, "CONTOSO-UAT", "Sandbox", "East US")
    assert (env.deployment_state, env.deployment_status, env.project_id) == ("Finished", "Deployed", PROJECT)
    integration = lcs.get_integration(PROJECT, UAT)
    assert (integration.state, integration.initial_power_platform_environment_id) == ("NotConfigured", PLACEHOLDER)
    assert lcs.signed_in_account() == LcsAccount(ADMIN, TENANT, ADMIN_OID)


def test_lcs_environment_absent_from_the_project_is_none(fresh, token_cache):
    assert make_clients(fresh, token_cache).lcs(ADMIN).get_environment(PROJECT, TARGET) is None


def test_bap_environment_list_and_tenant_settings(fresh, token_cache):
    bap = make_clients(fresh, token_cache).bap
    target = bap.get_environment(TARGET)
    assert (target.display_name, target.geography, target.azure_region) == ("Contoso Finance UAT", "unitedstates", "eastus")
    assert target.has_dataverse and target.instance_state == "Ready" and target.templates == ("D365_FinOps_Finance",)
    assert target.instance_url == f"{fresh.base_url}/dataverse/contoso-uat/"
    placeholder = [e for e in bap.list_environments() if e.linked_app and e.linked_app.id == UAT]
    assert [e.id for e in placeholder] == [PLACEHOLDER]
    assert bap.get_tenant_settings().disable_environment_creation_by_non_admin_users is False
    expand = [c["path"] for c in service_calls(fresh, "bap") if TARGET in c["path"]]
    assert "$expand=permissions,properties.capacity" in expand[0]


def test_tenant_capacity(fresh, token_cache):
    assert make_clients(fresh, token_cache).powerplatform.get_tenant_capacity() == TenantCapacity(
        20480.0, 3150.945, 2379.898, "Available", StorageCapacity("FinOpsDatabase", "MB", 0.0, 0.0, 0.0, "Available"))


def test_graph_user_roles_and_tenant(fresh, token_cache):
    graph = make_clients(fresh, token_cache).graph
    user = graph.get_user(ADMIN)
    assert (user.id, user.display_name, user.user_principal_name) == (ADMIN_OID, "Adele Vance", ADMIN)
    assert {lic.sku_id for lic in user.assigned_licenses} == {"55c9eb4e-c746-45b4-b255-9ab6b19d5c62",
                                                              "c7df2760-2c81-4ef7-b578-5b5392b571df"}
    assert [r.template_id for r in graph.get_directory_roles(user.id).roles] == ["88d8e3e3-8f55-4a1e-953a-9b9898b8876b"]
    # The same roles and licenses asked by UPN, without the user's id.
    assert graph.get_directory_roles(user.user_principal_name) == graph.get_directory_roles(user.id)
    assert graph.get_license_details(user.user_principal_name) == graph.get_license_details(user.id)
    assert graph.get_tenant_id() == TENANT


def test_dataverse_user_roles_and_integration(fresh, token_cache):
    clients = make_clients(fresh, token_cache)
    dataverse = clients.dataverse(clients.bap.get_environment(TARGET).instance_url)
    user = dataverse.find_system_user(ADMIN_OID)
    assert (user.id, user.full_name, user.is_disabled) == ("40311760-1ab0-45fd-8f42-f6c324945008", "Adele Vance", False)
    found, roles = dataverse.find_system_user_with_roles(ADMIN_OID)
    assert found == user
    assert SecurityRole("System Administrator", "0356b9b2-b5b2-4b84-8675-7bf2cdb8955d", SYSTEM_ADMINISTRATOR, None) in roles
    assert [(r.name, r.via_team) for r in roles if r.via_team] == [("System Customizer", "Finance admins")]
    assert dataverse.find_system_user("00000000-0000-0000-0000-00000000abcd") is None
    assert dataverse.get_finops_integration() is None  # 0x80048d0b with the not-integrated message


def test_setup_then_link_is_visible_on_both_sides(fresh, token_cache):
    clients = make_clients(fresh, token_cache)
    lcs = clients.lcs(ADMIN)
    activity = lcs.start_setup(PROJECT, UAT, TARGET, "Adele Vance")
    running = lcs.get_integration(PROJECT, UAT)
    assert (running.state, running.power_platform_environment_id, running.setup_activity_id) == (
        "SetupInProgress", TARGET, activity)
    fresh.clock.advance(76 * 60)
    assert lcs.get_integration(PROJECT, UAT).state == "Configured"
    linked = clients.dataverse(clients.bap.get_environment(TARGET).instance_url).get_finops_integration()
    assert isinstance(linked, FinOpsIntegration) and linked.environment_id == UAT


# --- failures -------------------------------------------------------------------------------------

def test_not_found(fresh, token_cache):
    clients = make_clients(fresh, token_cache)
    with pytest.raises(NotFound) as bap_missing:
        clients.bap.get_environment("00000000-0000-0000-0000-000000000404")
    with pytest.raises(NotFound):
        clients.graph.get_user("nobody@contoso.onmicrosoft.com")
    with pytest.raises(NotFound):
        clients.lcs(ADMIN).get_integration(PROJECT, TARGET)
    assert bap_missing.value.to_dict()["status"] == 404
    assert all(c["status"] != 503 for c in fresh.calls())
    assert len([c for c in service_calls(fresh, "bap") if c["status"] == 404]) == 1  # 404 is not retried


def test_throttling_waits_for_retry_after_then_succeeds(fresh, token_cache):
    fresh.set_faults({"graph": {"throttleRate": 1.0, "retryAfterSeconds": 2.128}})
    waits = Waits(fresh, on_wait=lambda seconds: fresh.set_faults({}))  # the service recovers meanwhile
    user = make_clients(fresh, token_cache, waits).graph.get_user(ADMIN)
    assert user.id == ADMIN_OID
    assert waits.seconds == [2.128]
    assert [c["status"] for c in service_calls(fresh, "graph")] == [429, 200]


def test_throttled_until_retries_run_out(fresh, token_cache):
    fresh.set_faults({"powerplatform": {"throttleRate": 1.0, "retryAfterSeconds": 3}})
    waits = Waits(fresh)
    with pytest.raises(Throttled) as caught:
        make_clients(fresh, token_cache, waits, HTTP_MAX_RETRIES="2").powerplatform.get_tenant_capacity()
    assert waits.seconds == [3.0, 3.0]
    assert caught.value.retry_after == 3.0 and caught.value.status == 429
    assert len(service_calls(fresh, "powerplatform")) == 3


def test_5xx_then_success_backs_off(fresh, token_cache):
    fresh.set_faults({"bap": {"burst": 2}})
    waits = Waits(fresh)
    assert make_clients(fresh, token_cache, waits).bap.get_environment(TARGET).id == TARGET
    assert [c["status"] for c in service_calls(fresh, "bap")] == [503, 503, 200]
    assert len(waits.seconds) == 2 and 0.5 <= waits.seconds[0] <= 0.75 and 1.0 <= waits.seconds[1] <= 1.5


def test_service_down_is_unavailable_after_the_retries(fresh, token_cache):
    fresh.set_faults({"dataverse": {"down": True}})
    clients = make_clients(fresh, token_cache, HTTP_MAX_RETRIES="1")
    with pytest.raises(ServiceUnavailable) as caught:
        clients.dataverse(clients.bap.get_environment(TARGET).instance_url).find_system_user(ADMIN_OID)
    assert caught.value.status == 503 and caught.value.service == "dataverse"


def test_permanent_4xx_is_not_retried(fresh, token_cache):
    # Megan is a TeamMember of the project: LCS refuses her with 403, once, and once only.
    with pytest.raises(PermissionDenied) as caught:
        make_clients(fresh, token_cache).lcs(AUDITOR).get_environment(PROJECT, UAT)
    assert caught.value.status == 403 and "Project Owner" in caught.value.message
    assert [c["status"] for c in service_calls(fresh, "lcs")] == [403]


def test_is_success_false_is_refused_and_the_post_is_not_retried(fresh, token_cache):
    lcs = make_clients(fresh, token_cache).lcs(ADMIN)
    lcs.start_setup(PROJECT, UAT, TARGET, "Adele Vance")
    with pytest.raises(LcsRequestRefused) as caught:
        lcs.start_setup(PROJECT, UAT, TARGET, "Adele Vance")
    assert caught.value.message and caught.value.status == 200
    assert len([c for c in service_calls(fresh, "lcs") if c["method"] == "POST"]) == 2
    assert fresh.setup_starts() == {UAT: 1}


def test_setup_post_is_not_retried_on_503(fresh, token_cache):
    fresh.set_faults({"lcs": {"burst": 1}})
    with pytest.raises(ServiceUnavailable):
        make_clients(fresh, token_cache).lcs(ADMIN).start_setup(PROJECT, UAT, TARGET, "Adele Vance")
    assert [c["status"] for c in service_calls(fresh, "lcs") if c["method"] == "POST"] == [503]
    assert fresh.setup_starts().get(UAT, 0) == 0


def test_lcs_metadata_calls_stay_within_six_per_minute(fresh, token_cache):
    waits = Waits(fresh)
    lcs = make_clients(fresh, token_cache, waits).lcs(ADMIN)
    for _ in range(8):
        lcs.get_environment(PROJECT, UAT)
    assert [c["status"] for c in service_calls(fresh, "lcs")] == [200] * 8  # the sandbox never had to throttle
    # Six calls in the first minute; the seventh waits for the minute to pass, the eighth need not.
    assert waits.seconds == [pytest.approx(60.0, abs=1.0)]


def test_token_refused_for_a_dataverse_host_off_the_allow_list(fresh, token_cache):
    # Production's default allow-list (*.dynamics.com) does not cover the sandbox's 127.0.0.1.
    clients = make_clients(fresh, token_cache, DATAVERSE_ALLOWED_HOSTS="*.dynamics.com")
    instance_url = clients.bap.get_environment(TARGET).instance_url
    before = len(fresh.calls())
    with pytest.raises(HostNotAllowed) as caught:
        clients.dataverse(instance_url)
    assert caught.value.host == "127.0.0.1"
    assert fresh.calls()[before:] == []  # not even a token request


def test_token_refused_for_a_service_host_off_the_allow_list(fresh, token_cache):
    clients = make_clients(fresh, token_cache, GRAPH_ALLOWED_HOSTS="graph.microsoft.com")
    with pytest.raises(HostNotAllowed):
        clients.graph.get_user(ADMIN)
    assert [c for c in fresh.calls() if c["service"] in ("graph", "entra")] == []


def test_odata_escaping_of_an_apostrophe_in_a_upn(fresh, token_cache):
    graph = make_clients(fresh, token_cache).graph
    assert graph.get_user(OBRIEN).display_name == "Siobhan O'Brien"
    assert "userPrincipalName eq 'o''brien@contoso.onmicrosoft.com'" in service_calls(fresh, "graph")[-1]["path"]
    with pytest.raises(NotFound):  # an attempt to widen the filter stays one literal
        graph.get_user(f"x' or userPrincipalName eq '{ADMIN}")


# --- the LCS sign-in and its cache ---------------------------------------------------------------

def test_expired_lcs_token_is_refreshed_silently_and_saved(fresh, token_cache, tmp_path):
    copy = tmp_path / "cache.json"
    cache = json.loads(Path(token_cache).read_text())
    for entry in cache["AccessToken"].values():  # msal judges expiry by wall time: expire them on disk
        entry["expires_on"] = entry["refresh_on"] = entry["cached_at"] = "1"
    copy.write_text(json.dumps(cache))
    lcs = make_clients(fresh, token_cache=str(copy)).lcs(ADMIN)
    assert lcs.get_integration(PROJECT, UAT).state == "NotConfigured"
    entra = [c for c in service_calls(fresh, "entra") if c["path"].endswith("/oauth2/v2.0/token")]
    assert len(entra) == 1 and entra[0]["status"] == 200
    assert json.loads(copy.read_text())["AccessToken"] != cache["AccessToken"]


def test_no_sign_in_for_the_operator_is_a_clear_error(fresh, token_cache):
    with pytest.raises(TokenUnavailable) as caught:
        make_clients(fresh, token_cache).lcs(OBRIEN).get_environment(PROJECT, UAT)
    assert caught.value.remedy == f"Run `python -m cli login --account {OBRIEN}` to sign in to Lifecycle Services."
    assert service_calls(fresh, "lcs") == []


def test_sign_in_as_someone_else_saves_nothing(fresh, tmp_path):
    path = tmp_path / "cache.json"
    settings = ServiceSettings.from_env({**fresh.settings(), "LCS_TOKEN_CACHE": str(path)})
    with pytest.raises(TokenUnavailable) as caught:
        lcs_sign_in(settings, ADMIN, lambda prompt: approve(fresh, prompt.user_code, AUDITOR))
    assert "not " + ADMIN in caught.value.message
    assert not path.exists()


def test_debug_logs_carry_no_token(fresh, token_cache, caplog):
    caplog.set_level(logging.DEBUG)
    clients = make_clients(fresh, token_cache)
    clients.graph.get_user(ADMIN)
    clients.lcs(ADMIN).get_integration(PROJECT, UAT)
    assert caplog.records  # urllib3, msal and our own debug lines were captured...
    assert "eyJ" not in caplog.text and "sandbox-secret-not-a-real-one" not in caplog.text  # ...without a JWT or secret


# --- round trips ----------------------------------------------------------------------------------

def token_requests(sandbox) -> int:
    return sum(1 for c in service_calls(sandbox, "entra") if c["method"] == "POST" and c["path"].endswith("/token"))


def test_concurrent_activities_fetch_a_scope_once(fresh, token_cache):
    from concurrent.futures import ThreadPoolExecutor

    from services.identity import BAP_SCOPE, GRAPH_SCOPE

    clients = make_clients(fresh, token_cache)
    fresh.set_faults({"entra": {"latencyMs": 150}})  # long enough for the asks to overlap
    scopes = [GRAPH_SCOPE] * 4 + [BAP_SCOPE] * 3
    with ThreadPoolExecutor(max_workers=len(scopes)) as pool:
        tokens = list(pool.map(lambda scope: clients._app_tokens.token(scope, service="graph"), scopes))
    assert len(set(tokens[:4])) == 1 and len(set(tokens[4:])) == 1
    assert token_requests(fresh) == 2  # one per scope, not one per caller


def test_dataverse_token_prefetch_is_joined_by_the_facts_that_need_it(fresh, token_cache):
    clients = make_clients(fresh, token_cache)
    url = clients.bap.get_environment(TARGET).instance_url
    before = token_requests(fresh)
    fresh.set_faults({"entra": {"latencyMs": 150}})
    clients.prefetch_dataverse_token(url)
    clients.dataverse(url).get_finops_integration()
    assert token_requests(fresh) == before + 1


def test_no_prefetch_for_a_dataverse_off_the_allow_list(fresh, token_cache):
    clients = make_clients(fresh, token_cache)
    before = token_requests(fresh)
    clients.prefetch_dataverse_token("https://evil.example.com/")
    assert token_requests(fresh) == before


def test_roles_and_licenses_by_upn_only_where_graph_reads_the_upn_plainly(fresh, token_cache):
    from services.graph import path_safe_upn

    graph = make_clients(fresh, token_cache).graph
    assert path_safe_upn(ADMIN) and path_safe_upn(ADMIN_OID)
    assert not path_safe_upn(OBRIEN) and not path_safe_upn("ext_user#EXT#@contoso.onmicrosoft.com")
    with pytest.raises(ValueError):
        graph.get_directory_roles(OBRIEN)


def test_environments_linked_to_an_lcs_environment_in_one_filtered_call(fresh, token_cache):
    bap = make_clients(fresh, token_cache).bap
    assert [e.id for e in bap.environments_linked_to(UAT.upper())] == [PLACEHOLDER]
    calls = service_calls(fresh, "bap")
    assert len(calls) == 1 and "$filter=properties/linkedAppMetadata/id eq" in calls[0]["path"]


def test_a_large_tenant_is_paged_and_the_filter_stays_one_call(token_cache):
    from sandbox.apis.bap import PAGE_SIZE

    extra = {f"00000000-0000-4000-8000-{i:012d}": {"displayName": f"Env {i}", "location": "unitedstates",
                                                    "azureRegion": "eastus", "sku": "Sandbox"}
             for i in range(2 * PAGE_SIZE + 5)}
    server = SandboxServer.start(scenario={**SCENARIO, "powerPlatform": {"environments": extra}}, port=0)
    try:
        bap = make_clients(server, token_cache).bap
        everything = bap.list_environments()
        assert len({e.id for e in everything}) == len(everything) >= 2 * PAGE_SIZE + 5
        assert len(service_calls(server, "bap")) == 3
        server.sandbox.calls.clear()
        assert [e.id for e in bap.environments_linked_to(UAT)] == [PLACEHOLDER]
        assert len(service_calls(server, "bap")) == 1
    finally:
        server.stop()


def test_a_bap_that_refuses_the_filter_is_asked_for_the_whole_list(fresh, token_cache, monkeypatch):
    from sandbox.apis import bap as sandbox_bap

    monkeypatch.setattr(sandbox_bap, "_LINKED_APP_FILTER", __import__("re").compile(r"(?!)"))
    bap = make_clients(fresh, token_cache).bap
    assert [e.id for e in bap.environments_linked_to(UAT)] == [PLACEHOLDER]
    assert [c["status"] for c in service_calls(fresh, "bap")] == [400, 200]


def test_start_up_prefetch_fetches_the_three_app_scopes_only_when_asked(fresh, token_cache):
    import time

    from services.startup import start_token_prefetch

    assert start_token_prefetch({}) is None and start_token_prefetch({"TOKEN_PREFETCH_AT_START": "false"}) is None
    clients = make_clients(fresh, token_cache)
    clients.prefetch_app_tokens()
    deadline = time.monotonic() + 30
    while token_requests(fresh) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert token_requests(fresh) == 3
    clients.bap.get_tenant_settings(), clients.graph.get_tenant_id(), clients.powerplatform.get_tenant_capacity()
    assert token_requests(fresh) == 3  # the calls that followed used the prefetched tokens


def test_lcs_sign_in_prepared_ahead_discovers_the_authority_and_asks_no_token(fresh, token_cache, tmp_path):
    from services.identity import LcsTokenProvider
    from services.tokencache import FileTokenCacheStore

    settings = ServiceSettings.from_env({**fresh.settings(), "LCS_TOKEN_CACHE": token_cache})
    nobody = LcsTokenProvider(settings, FileTokenCacheStore(str(tmp_path / "empty.json")))
    nobody.prepare()
    assert service_calls(fresh, "entra") == []  # nothing is signed in: nothing to discover for
    provider = LcsTokenProvider(settings, FileTokenCacheStore(token_cache))
    provider.prepare()
    assert [c["path"].rsplit("/", 1)[-1] for c in service_calls(fresh, "entra")] == ["openid-configuration"]
    assert provider.token(ADMIN) and provider.token(AUDITOR)
    assert len(service_calls(fresh, "entra")) == 1  # the first calls found the authority discovered
