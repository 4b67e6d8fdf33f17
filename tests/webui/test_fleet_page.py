"""The fleet page and what it shares with `cli list`: counts per phase, the filter, age, next step."""

import pytest

from domain.phases import ALL_PHASES
from tests.webui.support import FLEET_NOW as NOW, fleet_item as item, fleet_items as many, parse
from domain.fleet import age, fleet, next_step
from webui.fleet_page import render_fleet_page



def test_five_hundred_runs_all_listed_with_counts_per_phase():
    items = many()
    page = parse(render_fleet_page(items, phase=None, now=NOW))
    rows = [e for e in page.elements if e.tag == "tr" and "data-instance-id" in e.attrs]
    assert len(rows) == 500
    assert page.one("p", id="counts-summary").text.startswith("500 runs: ")
    links = {a.text: a.attrs["href"] for a in page.all("a")}
    expected = {p: sum(1 for i in items if i["phase"] == p) for p in {i["phase"] for i in items}}
    for phase, count in expected.items():
        assert links[f"{phase} ({count})"] == f"?phase={phase}"
    assert links["All runs (500)"] == "?"
    first = items[0]
    assert links[first["instanceId"]] == first["links"]["review"]
    assert links[first["powerPlatformEnvironmentId"]] == (
        f"https://admin.powerplatform.microsoft.com/environments/{first['powerPlatformEnvironmentId']}/hub")


def test_the_filter_shows_one_phase_but_counts_every_run():
    items = many(60)
    page = parse(render_fleet_page(items, phase="AwaitingConfirmation", now=NOW))
    phases = {e.attrs["data-phase"] for e in page.elements if e.tag == "tr" and "data-phase" in e.attrs}
    assert phases == {"AwaitingConfirmation"}
    assert page.one("p", id="counts-summary").text.startswith("60 runs: ")
    assert "selected" in page.one("option", value="AwaitingConfirmation").attrs
    current = [a for a in page.all("a") if a.attrs.get("aria-current") == "page"]
    assert [a.text for a in current] == ["AwaitingConfirmation (5)"]
    assert page.one("title").text == "Link runs: AwaitingConfirmation"


def test_rows_are_newest_first_with_age_and_next_step():
    items = [item(1, "Linked", minutes_ago=3000), item(2, "AwaitingConfirmation", minutes_ago=125),
             item(3, "StartingSetup", minutes_ago=1, setup_mode="operator")]
    page = parse(render_fleet_page(items, phase=None, now=NOW))
    rows = [e.attrs["data-instance-id"] for e in page.elements if e.tag == "tr" and "data-instance-id" in e.attrs]
    assert rows == [items[2]["instanceId"], items[1]["instanceId"], items[0]["instanceId"]]
    text = page.text
    assert "2 d 2 h" in text and "2 h 5 min" in text and "1 min" in text
    assert "Confirm on the review page" in text and "chooses Setup in Lifecycle Services" in text


def test_the_page_refreshes_itself_at_its_own_address():
    rendered = render_fleet_page(many(3), phase="Linked", now=NOW)
    page = parse(rendered)
    assert page.one("body").attrs["data-refresh-seconds"] == "10"
    assert page.one("a", href="").text == "Refresh now"  # the same address: the filter stays
    assert 'content="10"' in rendered  # <noscript> refresh


def test_nothing_from_an_item_is_markup():
    hostile = item(1, "Linked")
    hostile["operator"] = "<script>alert(1)</script>"
    hostile["links"]["review"] = "javascript:alert(1)"
    rendered = render_fleet_page([hostile], phase="<b>x</b>", now=NOW)
    assert "<script>alert" not in rendered and "<b>x</b>" not in rendered
    assert 'href="javascript:' not in rendered


def test_no_runs_and_an_unknown_phase_say_so():
    assert "No runs yet." in parse(render_fleet_page([], phase=None, now=NOW)).text
    text = parse(render_fleet_page(many(3), phase="Sideways", now=NOW)).text
    assert "No runs in phase Sideways." in text and "Sideways (0)" in text


@pytest.mark.parametrize("created, shown", [
    ("2025-03-02T11:59:20Z", "40 s"), ("2025-03-02T11:00:00Z", "1 h"), ("2025-03-02T09:55:00Z", "2 h 5 min"),
    ("2025-02-27T10:00:00Z", "3 d 2 h"), ("not a time", "unknown"), ("2025-03-02T12:10:00Z", "0 s"),
])
def test_age(created, shown):
    assert age(created, NOW) == shown


def test_counts_follow_the_order_phases_happen_in():
    view = fleet([item(1, "Linked"), item(2, "Validating"), item(3, "Linked")])
    assert list(view.counts.items()) == [("Validating", 1), ("Linked", 2)]


def test_every_phase_has_a_next_step():
    assert all(next_step({"phase": p}) != "See the review page." for p in ALL_PHASES)


def test_a_failed_unified_run_points_at_the_admin_center_not_at_lcs():
    assert "Power Platform admin center" in next_step({"phase": "ProvisioningFailed", "setupMode": "unified"})
    assert "FastTab in LCS" in next_step({"phase": "ProvisioningFailed", "setupMode": "lcs-api"})
    assert "FastTab in LCS" in next_step({"phase": "ProvisioningTimedOut"})
