"""The fleet and audit routes' glue: what they ask the link actions for and what they answer."""
import asyncio
import json

import azure.functions as func
import pytest

from tests.webui.support import fleet_item as item, parse, provisioning_status

views = pytest.importorskip("triggers.operator_views")
link_actions = pytest.importorskip("triggers.link_actions")  # the views import it on their first call
CLIENT = object()


@pytest.fixture
def actions(monkeypatch):
    calls = []

    async def list_links(client, base_url, phase):
        calls.append(("list", phase))
        return [item(1, "Linked"), item(2, "AwaitingConfirmation")]

    async def load_status(client, instance_id, base_url):
        calls.append(("load", instance_id))
        return provisioning_status() if instance_id == "link-a" else None
    monkeypatch.setattr(link_actions, "list_links", list_links)
    monkeypatch.setattr(link_actions, "load_status", load_status)
    monkeypatch.setattr(link_actions, "base_url_of", lambda req: "http://127.0.0.1:7071")
    return calls


def call(function, route, params=None, route_params=None):
    request = func.HttpRequest(method="GET", url=f"http://127.0.0.1:7071/api/{route}", headers={},
                               params=params or {}, route_params=route_params or {}, body=b"")
    return asyncio.run(function(request, CLIENT))


def test_fleet_lists_every_run_once_and_filters_itself(actions):
    response = call(views.show_fleet, "fleet", params={"phase": "Linked"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["X-Frame-Options"] == "DENY"
    page = parse(response.get_body().decode())
    assert [e.attrs["data-phase"] for e in page.elements if e.tag == "tr" and "data-phase" in e.attrs] == ["Linked"]
    assert actions == [("list", None)]  # every item, for the counts; never a full document


def test_audit_answers_the_record_or_404(actions):
    found = call(views.show_audit, "links/link-a/audit", route_params={"instanceId": "link-a"})
    assert found.status_code == 200
    assert json.loads(found.get_body())["confirmation"]["typedName"] == "Adele Vance"
    missing = call(views.show_audit, "links/link-b/audit", route_params={"instanceId": "link-b"})
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
