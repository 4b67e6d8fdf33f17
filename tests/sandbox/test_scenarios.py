"""Scenario loading: shipped scenarios, extends (JSON Merge Patch), and errors that name the bad field."""
from __future__ import annotations

import json

import pytest

from sandbox.scenario import ScenarioError, load_scenario, merge_patch, shipped_names

REQUIRED_SHIPPED = {
    "happy-path", "insufficient-capacity", "creation-restricted-no-admin-role", "no-finance-license", "geography-mismatch",
    "no-dataverse", "dynamics-apps-not-enabled", "not-system-administrator", "no-lcs-access", "other-tenant",
    "target-already-linked", "source-already-linked", "provisioning-fails", "slow-provisioning", "throttled",
}


def _errors(source) -> list[str]:
    with pytest.raises(ScenarioError) as raised:
        load_scenario(source)
    return raised.value.errors


def test_every_shipped_scenario_loads():
    assert REQUIRED_SHIPPED <= set(shipped_names())
    for name in shipped_names():
        assert load_scenario(name).name == name


def test_happy_path_is_the_documented_world():
    scenario = load_scenario("happy-path")
    operator = scenario.user("ADMIN@contoso.onmicrosoft.com")
    assert operator.display_name == "Adele Vance"
    assert "55c9eb4e-c746-45b4-b255-9ab6b19d5c62" in {lic.sku_id for lic in operator.licenses}
    assert scenario.lcs_projects[1234567].members["admin@contoso.onmicrosoft.com"] == "ProjectOwner"
    target = scenario.power_platform_environments["fc384085-a8b1-4b50-926a-e95c355a7195"]
    assert (target.location, target.dataverse.state, target.dataverse.dynamics_apps_enabled) == ("unitedstates", "Ready", True)
    capacity = scenario.tenant.capacity["database"]
    assert capacity.total_mb - capacity.actual_mb >= 1024
    assert scenario.provisioning.duration_seconds == 75 * 60
    assert scenario.sign_in.auto_approve and scenario.sign_in.upn == "admin@contoso.onmicrosoft.com"


@pytest.mark.parametrize("name", sorted(REQUIRED_SHIPPED - {"happy-path"}))
def test_each_variant_changes_one_part_of_happy_path(name):
    document = load_scenario(name).document
    happy = load_scenario("happy-path").document
    changed = {key for key in set(document) | set(happy) if document.get(key) != happy.get(key)} - {"description"}
    assert len(changed) == 1 or changed == {"powerPlatform", "dataverse"}, changed


def test_merge_patch_follows_rfc_7386():
    assert merge_patch({"a": {"b": 1, "c": 2}, "d": [1]}, {"a": {"b": None, "e": 3}, "d": [2]}) == {"a": {"c": 2, "e": 3}, "d": [2]}


def test_extends_by_name_from_a_dict_and_by_relative_path(tmp_path):
    child = load_scenario({"extends": "happy-path", "provisioning": {"durationMinutes": 1}})
    assert child.provisioning.duration_seconds == 60 and child.tenant.domain == "contoso.onmicrosoft.com"
    (tmp_path / "base.json").write_text(json.dumps({"extends": "happy-path", "provisioning": {"durationMinutes": 2}}))
    (tmp_path / "leaf.json").write_text(json.dumps({"extends": "base.json", "provisioning": {"outcome": "Failed"}}))
    leaf = load_scenario(tmp_path / "leaf.json")
    assert leaf.name == "leaf"
    assert (leaf.provisioning.duration_seconds, leaf.provisioning.outcome, leaf.provisioning.fail_after_seconds) == (120, "Failed", 60)


def test_an_extends_cycle_and_unknown_names_are_reported(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"extends": "b.json"}))
    (tmp_path / "b.json").write_text(json.dumps({"extends": "a.json"}))
    assert "cycle" in _errors(tmp_path / "a.json")[0]
    assert "shipped scenarios" in _errors("no-such-scenario")[0]


def test_a_bad_field_is_reported_with_its_json_path():
    errors = _errors({"extends": "happy-path", "users": {"admin@contoso.onmicrosoft.com": {"objectId": "x"}}})
    assert errors == ["$.users['admin@contoso.onmicrosoft.com'].objectId: 'x' is not a 'uuid'"]


@pytest.mark.parametrize("patch,expected", [
    ({"tenant": {"capacity": {"database": {"totalMB": -1}}}}, "$.tenant.capacity.database.totalMB: -1 is less than the minimum of 0"),
    ({"tenant": {"id": "contoso"}}, "$.tenant.id: 'contoso' is not a 'uuid'"),
    ({"provisioning": {"outcome": "Maybe"}}, "$.provisioning.outcome: 'Maybe' is not one of ['Succeeded', 'Failed']"),
    ({"lcs": {"projects": {"1234567": {"members": {"admin@contoso.onmicrosoft.com": "Owner"}}}}},
     "$.lcs.projects['1234567'].members['admin@contoso.onmicrosoft.com']: 'Owner' is not one of"),
    ({"faults": {"graph": {"throttleRate": 1.5}}}, "$.faults.graph.throttleRate: 1.5 is greater than the maximum of 1"),
    ({"powerPlatform": {"environments": {"fc384085-a8b1-4b50-926a-e95c355a7195": {"colour": "blue"}}}},
     "$.powerPlatform.environments['fc384085-a8b1-4b50-926a-e95c355a7195']: Additional properties are not allowed ('colour' was unexpected)"),
])
def test_schema_errors_name_the_field(patch, expected):
    errors = _errors({"extends": "happy-path", **patch})
    assert any(e.startswith(expected) for e in errors), errors


@pytest.mark.parametrize("patch,expected", [
    ({"signIn": {"upn": "nobody@contoso.onmicrosoft.com"}}, "$.signIn.upn: 'nobody@contoso.onmicrosoft.com' is not a key of $.users"),
    ({"powerPlatform": {"environments": {"fc384085-a8b1-4b50-926a-e95c355a7195": {"dataverse": {"org": "missing-org"}}}}},
     "$.powerPlatform.environments['fc384085-a8b1-4b50-926a-e95c355a7195'].dataverse.org: 'missing-org' is not a key of $.dataverse.orgs"),
    ({"dataverse": {"orgs": {"contoso-uat": {"users": {"admin@contoso.onmicrosoft.com": {"roles": ["Owner"]}}}}}},
     "$.dataverse.orgs['contoso-uat'].users['admin@contoso.onmicrosoft.com'].roles[0]: 'Owner' is not a key of"),
    ({"lcs": {"projects": {"1234567": {"environments": {"a98e06c0-b563-411f-9431-23b5ed5c93ed": {"initialPowerPlatformEnvironmentId": "00000000-0000-0000-0000-000000000001"}}}}}},
     "$.lcs.projects['1234567'].environments['a98e06c0-b563-411f-9431-23b5ed5c93ed'].initialPowerPlatformEnvironmentId:"),
    ({"provisioning": {"durationMinutes": 10, "failAfterMinutes": 11, "outcome": "Failed"}}, "$.provisioning.failAfterMinutes: 11 is after"),
])
def test_reference_errors_name_the_field(patch, expected):
    errors = _errors({"extends": "happy-path", **patch})
    assert any(e.startswith(expected) for e in errors), errors


def test_a_file_that_is_not_json_says_so(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{ not json")
    assert "not JSON" in _errors(path)[0]


def test_an_invalid_scenario_cannot_be_loaded_into_a_running_sandbox(client):
    response = client.admin("PUT", "/scenario", json={"scenario": {"extends": "happy-path", "tenant": {"id": "x"}}})
    assert response.status_code == 400
    assert response.json()["errors"] == ["$.tenant.id: 'x' is not a 'uuid'"]
    assert client.admin("GET", "/scenario").json()["name"] == "happy-path"
