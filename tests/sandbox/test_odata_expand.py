"""The sandbox's nested $expand, as the Dataverse roles query uses it."""

import pytest

from sandbox.apis.odata import Expand, ODataError, parse_expand
from services.dataverse import ROLES_EXPAND, DataverseClient


def test_nested_expand_with_select():
    assert parse_expand("a($select=x,y;$expand=b($select=z)),c") == (
        Expand("a", ("x", "y"), (Expand("b", ("z",)),)), Expand("c"))


def test_the_clients_roles_query_parses():
    names = [e.name for e in parse_expand(ROLES_EXPAND)]
    assert names == ["systemuserroles_association", "teammembership_association"]
    assert parse_expand(ROLES_EXPAND)[1].expand[0].name == "teamroles_association"


@pytest.mark.parametrize("text", ["a($top=5)", "a($orderby=name)", "a(($select=x)", "a)"])
def test_unsupported_or_unbalanced_expand_is_refused(text):
    with pytest.raises(ODataError):
        parse_expand(text)


class PagedHttp:
    """Answers an expanded collection's nextLink with one more page."""

    def __init__(self, first: dict):
        self.first = first
        self.asked: list[str] = []

    def get_items(self, operation, url, **kwargs):
        self.asked.append(url)
        if url.endswith("/systemusers"):
            return iter([self.first])
        return iter([{"name": "Second page role", "roleid": "22222222-2222-2222-2222-222222222222"}])


def test_an_expanded_collection_with_a_next_link_is_read_to_its_end():
    user = {"systemuserid": "11111111-1111-1111-1111-111111111111", "isdisabled": False,
            "systemuserroles_association": [{"name": "First page role"}],
            "systemuserroles_association@odata.nextLink": "https://org.crm.dynamics.com/next",
            "teammembership_association": []}
    http = PagedHttp(user)
    found, roles = DataverseClient(http, "https://org.crm.dynamics.com").find_system_user_with_roles(
        "33333333-3333-3333-3333-333333333333")
    assert found.id == user["systemuserid"]
    assert [r.name for r in roles] == ["First page role", "Second page role"]
    assert http.asked[-1] == "https://org.crm.dynamics.com/next"
