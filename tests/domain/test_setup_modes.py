"""The setup-mode registry, and what derives from it: the request's modes, openapi.json, the CLI."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

import domain.setup_modes as registry
from domain.request import InvalidRequest, parse_link_request
from domain.setup_modes import (
    UnknownSetupMode, all_modes, find_mode, instructions_title, mode_names, modes_help, required_by_every_mode,
    setup_mode,
)

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = json.loads((ROOT / "openapi.json").read_text())
LCS_ENV = "D15ED3A8-C2C1-4054-840B-946C93915DA9"
BODY = {"lcsProjectId": 1234567, "lcsEnvironmentId": LCS_ENV, "powerPlatformEnvironmentId":
        "00000000-0000-0000-0000-000000000001", "operator": "admin@contoso.onmicrosoft.com"}


def parse(body):
    return parse_link_request(body, default_setup_mode="operator", default_confirmation_timeout="P3D")


def test_the_registry_finds_every_mode_module_in_name_order():
    modules = sorted(p.stem for p in (ROOT / "domain" / "setup_modes").glob("*.py") if not p.stem.startswith("_"))
    assert [mode.module_name for mode in all_modes()] == modules
    assert mode_names() == ("lcs-api", "operator", "unified")


def test_a_mode_is_found_by_name_and_an_unknown_one_is_refused_naming_the_known():
    assert setup_mode("operator").starts_setup is False and setup_mode("lcs-api").starts_setup is True
    assert find_mode("portal") is None and find_mode(None) is None and find_mode(["operator"]) is None
    with pytest.raises(UnknownSetupMode, match="lcs-api, operator, unified"):
        setup_mode("portal")


def test_the_instance_id_is_made_of_the_modes_environment_in_lower_case():
    request = parse({**BODY, "setupMode": "lcs-api"})
    assert request.instance_id == f"link-{LCS_ENV.lower()}"
    assert parse(BODY).instance_id == request.instance_id  # both modes name the LCS environment


def test_only_a_mode_where_a_person_starts_setup_writes_instructions():
    request = parse(BODY)
    steps = setup_mode("operator").instructions(request)
    assert len(steps) == 5 and "admin@contoso.onmicrosoft.com" in steps[0] and "1234567" in steps[1]
    assert request.powerPlatformEnvironmentId in steps[3]
    assert setup_mode("lcs-api").instructions(request) is None
    assert instructions_title("operator") == "What to do in Lifecycle Services"
    assert instructions_title("lcs-api") == instructions_title(None) == "What to do"


def test_an_unknown_mode_is_a_400_naming_every_allowed_mode():
    with pytest.raises(InvalidRequest) as refused:
        parse({**BODY, "setupMode": "portal"})
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("setupMode", "must be one of lcs-api, operator, unified")]


def test_the_fields_a_request_needs_are_its_modes():
    target = BODY["powerPlatformEnvironmentId"]
    request = parse({"powerPlatformEnvironmentId": target.upper(), "operator": BODY["operator"], "setupMode": "unified"})
    assert request.lcsProjectId is None and request.lcsEnvironmentId is None
    assert request.instance_id == f"link-{target}"
    with pytest.raises(InvalidRequest) as refused:
        parse({**BODY, "setupMode": "unified"})
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("lcsProjectId", "is not used with setupMode unified"), ("lcsEnvironmentId", "is not used with setupMode unified")]
    with pytest.raises(InvalidRequest) as refused:
        parse({"operator": BODY["operator"], "setupMode": "lcs-api"})
    assert [e.field for e in refused.value.errors] == ["lcsProjectId", "lcsEnvironmentId", "powerPlatformEnvironmentId"]


def test_a_request_of_an_unknown_mode_needs_what_every_mode_needs():
    assert required_by_every_mode() == ("powerPlatformEnvironmentId", "operator")
    with pytest.raises(InvalidRequest) as refused:
        parse({"setupMode": "portal"})
    assert [e.field for e in refused.value.errors] == ["powerPlatformEnvironmentId", "operator", "setupMode"]


def test_openapi_json_lists_the_registry():
    schemas = OPENAPI["components"]["schemas"]
    request_mode = schemas["LinkRequest"]["properties"]["setupMode"]
    assert request_mode["enum"] == list(mode_names())
    assert request_mode["description"] == modes_help("`")
    listed = [s["properties"]["setupMode"] for s in schemas.values()
              if "enum" in s.get("properties", {}).get("setupMode", {}) and s is not schemas["LinkRequest"]]
    assert listed, "the run list documents setupMode too"
    for schema in listed:
        assert sorted(v for v in schema["enum"] if v is not None) == sorted(mode_names())


def test_the_cli_offers_the_registry():
    from cli.options import SetupMode

    assert [m.value for m in SetupMode] == list(mode_names())


def test_unified_takes_the_provisioning_app_options_with_defaults_and_the_lcs_modes_refuse_them():
    target = BODY["powerPlatformEnvironmentId"]
    unified = {"powerPlatformEnvironmentId": target, "operator": BODY["operator"], "setupMode": "unified"}
    assert parse(unified).provisioningApp == {"developerTools": False, "demoData": False, "version": "latest"}
    chosen = parse({**unified, "provisioningApp": {"developerTools": True, "version": "10.0.44"}})
    assert chosen.provisioning_app.developerTools and chosen.provisioning_app.version == "10.0.44"
    with pytest.raises(InvalidRequest) as refused:
        parse({**BODY, "provisioningApp": {}})
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("provisioningApp", "is not used with setupMode operator")]
    with pytest.raises(InvalidRequest) as refused:
        parse({**unified, "provisioningApp": {"version": "10.x", "demoData": "yes", "colour": 1}})
    assert [e.field for e in refused.value.errors] == [
        "provisioningApp.colour", "provisioningApp.demoData", "provisioningApp.version"]
    assert "provisioningApp" not in parse(BODY).to_dict()  # the LCS modes' request JSON is as it was


def test_unified_words_its_own_notice_and_failure_hints():
    unified, operator = setup_mode("unified"), setup_mode("operator")
    assert "can't be undone" in unified.irreversibility_notice and operator.irreversibility_notice is None
    assert "Power Platform admin center" in unified.where_to_look and "FastTab" in operator.where_to_look
    assert registry.lcs_managed_modes() == {"lcs-api", "operator"}
