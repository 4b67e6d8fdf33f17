"""The LCS token cache in Azure Blob Storage, against Azurite (the real emulator) with OAuth on.

The store is azure-storage-blob with an azure-identity credential; here the credential is a stand-in
that hands out the storage tokens Azurite accepts (Azurite checks their issuer, which no local
token endpoint can match), and records the scopes it was asked for.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from pathlib import Path

import jwt
import pytest
import trustme

from azure.core.credentials import AccessToken

from services.errors import TokenUnavailable
from services.identity import LcsTokenProvider
from services.settings import ServiceSettings
from services.tokencache import BlobTokenCacheStore, token_cache_store

STORAGE_SCOPE = "https://storage.azure.com/.default"

AZURITE = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "azurite-blob"


@pytest.fixture(scope="module")
def azurite(tmp_path_factory):
    if not AZURITE.exists():
        pytest.skip("Azurite is not installed (npm ci)")
    folder = tmp_path_factory.mktemp("azurite")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert.cert_chain_pems[0].write_to_path(str(folder / "cert.pem"))
    cert.private_key_pem.write_to_path(str(folder / "key.pem"))
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [str(AZURITE), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--oauth", "basic",
         "--cert", str(folder / "cert.pem"), "--key", str(folder / "key.pem"),
         "--location", str(folder), "--silent", "--disableTelemetry", "--skipApiVersionCheck"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("Azurite did not start")
                time.sleep(0.1)
        yield {"base": f"https://127.0.0.1:{port}/devstoreaccount1", "ca": str(folder / "ca.pem")}
    finally:
        process.terminate()
        process.wait(timeout=10)


def storage_token(audience: str = "https://storage.azure.com") -> str:
    # Azurite's "basic" OAuth checks issuer, audience and lifetime, not the signature.
    now = int(time.time())
    return jwt.encode({"aud": audience, "iss": "https://sts.windows.net/00000000-0000-0000-0000-000000000001/",
                       "nbf": now - 60, "iat": now - 60, "exp": now + 3600,
                       "oid": str(uuid.uuid4()), "tid": "00000000-0000-0000-0000-000000000001"},
                      "azurite-checks-no-signature-0123456789", algorithm="HS256")


class StorageCredential:
    """An azure-core TokenCredential: what DefaultAzureCredential is to the store in Azure."""

    def __init__(self, token=storage_token):
        self._token = token
        self.scopes: list[str] = []

    def get_token(self, *scopes: str, **kwargs) -> AccessToken:
        self.scopes.extend(scopes)
        return AccessToken(self._token(), int(time.time()) + 3600)


def store_for(azurite, url: str, token=storage_token) -> BlobTokenCacheStore:
    settings = ServiceSettings(lcs_token_cache=url, ca_bundle=azurite["ca"], http_max_retries=0)
    credential = StorageCredential(token)
    store = token_cache_store(settings, lambda: credential)
    store.scopes = credential.scopes
    return store


def fresh_url(azurite) -> str:
    return f"{azurite['base']}/lcs-{uuid.uuid4().hex[:8]}/token-cache.json"


def test_round_trip_creating_the_container(azurite):
    store = store_for(azurite, fresh_url(azurite))
    assert isinstance(store, BlobTokenCacheStore)
    assert store.load() is None
    store.save('{"Account": {"a": 1}}')
    store.save('{"Account": {"a": 2}}')
    assert store_for(azurite, store.url).load() == '{"Account": {"a": 2}}'
    assert set(store.scopes) == {STORAGE_SCOPE}


def test_an_older_cache_never_overwrites_a_newer_sign_in(azurite):
    url = fresh_url(azurite)
    function_app, sign_in = store_for(azurite, url), store_for(azurite, url)
    sign_in.save('{"v": "first"}')
    assert function_app.load() == '{"v": "first"}'
    sign_in.load()
    sign_in.save('{"v": "new sign-in"}')
    function_app.save('{"v": "refreshed old"}')  # conflicts: dropped, not an error
    assert store_for(azurite, url).load() == '{"v": "new sign-in"}'


def test_a_token_storage_refuses_is_a_token_error_with_a_remedy(azurite):
    store = store_for(azurite, fresh_url(azurite), token=lambda: storage_token("https://graph.microsoft.com"))
    with pytest.raises(TokenUnavailable) as caught:
        store.load()
    assert "Storage Blob Data Contributor" in caught.value.remedy
    assert caught.value.service == "lcs"


def test_lcs_provider_over_an_empty_blob_says_to_sign_in(azurite):
    settings = ServiceSettings(lcs_client_id="11111111-1111-1111-1111-111111111111",
                               authority_host="https://127.0.0.1:9", disable_instance_discovery=True)
    provider = LcsTokenProvider(settings, store_for(azurite, fresh_url(azurite)))
    with pytest.raises(TokenUnavailable) as caught:
        provider.token("admin@contoso.onmicrosoft.com")
    assert "cli login --account admin@contoso.onmicrosoft.com" in caught.value.remedy


def test_a_first_save_never_replaces_a_cache_saved_meanwhile(azurite):
    url = fresh_url(azurite)
    sign_in, function_app = store_for(azurite, url), store_for(azurite, url)
    assert sign_in.load() is None and function_app.load() is None
    sign_in.save('{"v": "signed in"}')
    function_app.save('{"v": "empty cache of an old process"}')  # If-None-Match: * fails: dropped
    assert store_for(azurite, url).load() == '{"v": "signed in"}'


def test_a_token_cache_url_must_be_https():
    with pytest.raises(TokenUnavailable, match="plain https blob URL"):
        token_cache_store(ServiceSettings(lcs_token_cache="http://127.0.0.1:10000/acct/c/cache.json"),
                          lambda: StorageCredential())
