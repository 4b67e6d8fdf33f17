"""The permission declaration is complete and the README's Permissions section says the same."""

import pathlib
import re

from domain.checks import CHECKS
from domain.permissions import PERMISSIONS, permission_for, remedy_for

README = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("\n## Permissions\n"):README.index("\n## Deploy to Azure\n")]


def readme_rows():
    rows = re.findall(r"^\| `([\w-]+)` \| (.+?) \| (.+?) \| (.+?) \| (.+?) \|$", SECTION, re.MULTILINE)
    return {key: (name, kind, why, tuple(re.findall(r"`([\w-]+)`", checks))) for key, name, kind, why, checks in rows}


def test_readme_table_is_the_declaration():
    assert readme_rows() == {p.key: (p.name, p.kind, p.why, p.checks) for p in PERMISSIONS}


def test_readme_grant_procedure_has_every_command_verbatim():
    procedure = SECTION[SECTION.index("### Grant procedure"):]
    for permission in PERMISSIONS:
        assert f"# {permission.key}: {permission.name}" in procedure
        for command in permission.commands:
            assert command in procedure, command


def test_every_declared_check_exists_and_every_graph_call_is_declared():
    ids = {c.id for c in CHECKS}
    assert all(set(p.checks) <= ids for p in PERMISSIONS)
    for operation in ("get_user", "get_license_details", "get_directory_roles", "list_directory_roles", "get_tenant_id"):
        assert permission_for("graph", operation) is not None, operation


def test_a_refusal_maps_to_its_grant():
    assert "User.Read.All" in remedy_for("graph", "get_license_details")
    assert "Organization.Read.All" in remedy_for("graph", "get_tenant_id")
    assert "management application" in remedy_for("powerplatform", "get_tenant_capacity")
    assert "application user" in remedy_for("dataverse", "find_system_user")
    assert remedy_for("lcs", "get_environment") is None  # an LCS 403 is the operator's role, not a grant
