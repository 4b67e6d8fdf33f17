"""The start-up warm-up (TOKEN_PREFETCH_AT_START): after it, a first validation on the instance
imports nothing more and asks Entra for nothing more than the target's Dataverse token.

Run in a fresh interpreter against the sandbox: this test process has imported everything already."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from devhost.testing import REPO_ROOT
from services.identity import lcs_sign_in
from services.settings import ServiceSettings

OPERATOR = "admin@contoso.onmicrosoft.com"
REQUEST = {"lcsProjectId": 1234567, "lcsEnvironmentId": "a98e06c0-b563-411f-9431-23b5ed5c93ed",
           "powerPlatformEnvironmentId": "fc384085-a8b1-4b50-926a-e95c355a7195", "operator": OPERATOR,
           "setupMode": "lcs-api"}

# Loads the app, warms it up (or not), then plays a first validation's pure steps and the fact
# activities its setup mode needs, stage after stage; prints the modules and Entra calls each part added.
SCRIPT = textwrap.dedent("""
    import json, os, ssl, sys, urllib.request
    import function_app

    def entra_calls():
        context = ssl.create_default_context(cafile=os.environ["SANDBOX_CA"])
        with urllib.request.urlopen(os.environ["SANDBOX_URL"] + "/_sandbox/calls", context=context) as answer:
            calls = json.loads(answer.read())
        return [c["path"].rsplit("/", 1)[-1] for c in calls if c["service"] == "entra"]

    warm = sys.argv[1] == "warm"
    if warm:
        from services.startup import warm_up
        warm_up(function_app.FIRST_REQUEST_MODULES)  # returns once its fetches are done
    before, entra_before = set(sys.modules), entra_calls()
    request = json.loads(sys.argv[2])
    from orchestrators.validation import facts_needed
    from domain.checks import run_checks
    from domain.facts.base import stages
    from domain.facts import Facts, FactResult
    from domain.request import LinkRequest
    needed = facts_needed(None, request["setupMode"])
    by_name = {f.get_function_name(): f.get_user_function() for f in function_app.app.get_functions()}
    results, values = [], {}
    for stage in stages():
        for fact in (f for f in stage if f.name in needed):
            payload = {"request": request}
            if "target" in values and "operator" in values:
                payload.update(instanceUrl=values["target"]["instance_url"],
                               operatorObjectId=values["operator"]["object_id"])
            result = by_name[fact.activity](payload)
            results.append(FactResult.from_json(result))
            if result["value"] is not None:
                values[fact.name] = result["value"]
    run_checks(LinkRequest.from_dict(request), Facts(results))
    from services.status_store import StatusStore
    StatusStore.from_environment()
    print(json.dumps({"modules": sorted(set(sys.modules) - before), "entra": entra_calls()[len(entra_before):],
                      "facts": sorted(values)}))
""")

@pytest.fixture(scope="module")
def env(sandbox, tmp_path_factory) -> dict[str, str]:
    sandbox.load_scenario({"extends": "happy-path"})  # the session's sandbox, as other modules may have left it
    folder = tmp_path_factory.mktemp("startup")
    settings = {**sandbox.settings(), "LCS_TOKEN_CACHE": str(folder / "token-cache.json"),
                "AzureWebJobsStorage": "UseDevelopmentStorage=true", "TOKEN_PREFETCH_AT_START": "false"}
    lcs_sign_in(ServiceSettings.from_env(settings), OPERATOR, on_prompt=lambda prompt: None)
    return {**os.environ, **settings, "SANDBOX_URL": sandbox.base_url, "SANDBOX_CA": sandbox.ca_cert_path,
            "PYTHONPATH": str(REPO_ROOT)}


def first_validation(env: dict[str, str], sandbox, warm: bool) -> dict:
    sandbox.sandbox.calls.clear()
    done = subprocess.run([sys.executable, "-c", SCRIPT, "warm" if warm else "cold", json.dumps(REQUEST)],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def product_or_sdk(module: str) -> bool:
    return module.split(".")[0] in ("activities", "domain", "services", "orchestrators", "azure", "msal")


def test_after_the_warm_up_a_first_validation_imports_nothing_and_asks_entra_only_for_dataverse(env, sandbox):
    cold = first_validation(env, sandbox, warm=False)
    warm = first_validation(env, sandbox, warm=True)
    assert {"operator", "target", "lcsEnvironment", "dataverseRoles"} <= set(warm["facts"]) and warm["facts"] == cold["facts"]
    # Without the warm-up the validation imports the clients, azure-identity, msal, the facts and the checks.
    assert {"services.clients", "azure.identity", "msal", "domain.checks", "azure.storage.blob"} <= set(cold["modules"])
    assert [m for m in warm["modules"] if product_or_sdk(m)] == []
    assert cold["entra"].count("openid-configuration") >= 2 and cold["entra"].count("token") == 4
    assert warm["entra"] == ["token"]  # the Dataverse token: its URL comes from the target fact
