"""python -m sandbox: prints where it listens and the product settings, serves, stops on SIGTERM."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]


def test_the_cli_starts_prints_json_writes_settings_and_stops(tmp_path):
    settings_file = tmp_path / "settings.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--scenario", "target-already-linked", "--settings-out", str(settings_file),
         "--state-dir", str(tmp_path / "state")],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        lines = []
        for line in process.stdout:  # one pretty-printed JSON object, ending with "}" alone on a line
            lines.append(line)
            if line.rstrip() == "}":
                break
        printed = json.loads("".join(lines))
        assert printed["scenario"] == "target-already-linked"
        assert printed["caCertPath"] == str(tmp_path / "state" / "ca.pem")
        assert printed["serviceUrls"]["lcs"] == printed["baseUrl"] + "/lcs"
        assert "sandbox-secret" not in json.dumps(printed)  # secrets stay out of stdout
        settings = json.loads(settings_file.read_text())
        assert settings["LCS_BASE_URL"] == printed["baseUrl"] + "/lcs" and settings["AZURE_CLIENT_SECRET"]
        assert settings_file.stat().st_mode & 0o077 == 0
        session = requests.Session()
        session.trust_env = False
        config = session.get(f"{printed['baseUrl']}/{settings['AZURE_TENANT_ID']}/v2.0/.well-known/openid-configuration",
                             verify=printed["caCertPath"], timeout=10)
        assert config.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        process.stdout.close()
        process.stderr.close()


def test_check_reports_the_bad_field_and_fails(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"extends": "happy-path", "users": {"admin@contoso.onmicrosoft.com": {"objectId": "x"}}}))
    result = subprocess.run([sys.executable, "-m", "sandbox", "--check", str(bad)], cwd=REPO, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "$.users['admin@contoso.onmicrosoft.com'].objectId: 'x' is not a 'uuid'" in result.stderr
    good = subprocess.run([sys.executable, "-m", "sandbox", "--check", "happy-path"], cwd=REPO, capture_output=True, text=True, timeout=30)
    assert good.returncode == 0
