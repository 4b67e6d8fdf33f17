"""--sandbox: devhost starts the sandbox, gives its settings to the app and drives its clock."""
import json
import ssl
import urllib.request

from devhost.testing import DevhostProcess
from devhost.timeutil import parse_iso
from tests.devhost.support import SAMPLE_APP, sample_env


def test_sandbox_settings_reach_the_app_and_its_clock_follows_virtual_time(azurite, tmp_path):
    host = DevhostProcess(SAMPLE_APP, tmp_path / "devhost", env=sample_env(azurite, tmp_path),
                          args=["--sandbox", "happy-path", "--virtual-time"])
    with host:
        lcs = host.get("/api/setting/LCS_BASE_URL").json()["LCS_BASE_URL"]
        authority = host.get("/api/setting/AZURE_AUTHORITY_HOST").json()["AZURE_AUTHORITY_HOST"]
        ca = host.get("/api/setting/SERVICES_CA_BUNDLE").json()["SERVICES_CA_BUNDLE"]
        assert lcs == f"{authority}/lcs" and authority.startswith("https://127.0.0.1:")
        assert host.get("/api/setting/AZURE_CLIENT_SECRET").status == 403

        host.post("/api/orchestrators/sleeper/sb-sleep", 2 * 3600)
        woke = parse_iso(host.wait_for_status("sb-sleep", timeout=20)["output"])
        context = ssl.create_default_context(cafile=ca)
        with urllib.request.urlopen(f"{authority}/_sandbox/clock", context=context, timeout=10) as answer:
            sandbox_now = parse_iso(json.loads(answer.read())["now"])
        assert sandbox_now >= woke
    assert host.process.poll() is not None
