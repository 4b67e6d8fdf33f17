"""The fleet page and the review page in Chromium, served by the real app on devhost: names shown,
the phase filter kept across the page's own refresh, a cross-site form post refused, and no
serious or critical accessibility violation (axe-core)."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import requests

from tests.cli.stack import INSTANCE, LCS_ENV, OPERATOR, PLACEHOLDER, PROJECT, TARGET
from tests.webui.test_openapi import schema_validator
from tests.webui.test_review_browser import ARTIFACTS, CHROMIUM, browser, page  # noqa: F401 (fixtures)

pytestmark = [
    pytest.mark.browser, pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (/usr/bin/chromium): "
                                                     "scripts/bootstrap.sh --browser installs it"),
]
UNKNOWN_LCS_ENV = "0badc0de-0000-4000-8000-000000000001"
TARGET_NAME = "Contoso Finance UAT"


def start(stack, lcs_environment_id: str, phase: str) -> None:
    answer = requests.post(f"{stack.url}/api/links", timeout=30, json={
        "lcsProjectId": PROJECT, "lcsEnvironmentId": lcs_environment_id, "powerPlatformEnvironmentId": TARGET,
        "operator": OPERATOR})
    assert answer.status_code == 202, answer.text
    instance_id = answer.json()["instanceId"]
    stack.runs.add(instance_id)
    stack.host.wait_until(lambda: requests.get(f"{stack.url}/api/links/{instance_id}", timeout=10)
                          .json()["phase"] == phase, timeout=60)


@pytest.fixture(scope="module")
def two_runs(stack):
    """One run awaiting confirmation (happy path), one whose LCS environment does not exist."""
    stack.use_scenario("happy-path")
    with stack.clock_held_until_confirmed():
        start(stack, LCS_ENV, "AwaitingConfirmation")
        start(stack, UNKNOWN_LCS_ENV, "ValidationFailed")
        yield stack
    stack.forget_runs()


def axe_serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_fleet_page_counts_filters_and_keeps_the_filter_when_it_refreshes(two_runs, page):
    from playwright.sync_api import expect
    page.goto(f"{two_runs.url}/api/fleet")
    expect(page.get_by_role("heading", level=1)).to_have_text("Link runs")
    expect(page.locator("#counts-summary")).to_have_text("2 runs: 1 ValidationFailed, 1 AwaitingConfirmation")
    rows = page.locator("tr[data-instance-id]")
    expect(rows).to_have_count(2)
    expect(page.get_by_role("link", name="AwaitingConfirmation (1)")).to_be_visible()
    assert axe_serious(page) == []

    page.get_by_label("Show runs in phase").select_option("AwaitingConfirmation")
    page.get_by_role("button", name="Show").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-instance-id", INSTANCE)
    assert urlsplit(page.url).query == "phase=AwaitingConfirmation"
    page.screenshot(path=str(ARTIFACTS / "fleet-page-filtered.png"), full_page=True)

    with page.expect_navigation(timeout=60_000):  # the page reloads itself
        pass
    assert urlsplit(page.url).query == "phase=AwaitingConfirmation"
    expect(rows).to_have_count(1)
    expect(page.get_by_label("Show runs in phase")).to_have_value("AwaitingConfirmation")

    page.get_by_role("link", name="ValidationFailed (1)").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-instance-id", f"link-{UNKNOWN_LCS_ENV}")
    expect(rows.first).to_contain_text("Fix what the failed checks say")

    page.get_by_role("link", name="All runs (2)").click()
    page.get_by_role("link", name=INSTANCE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and confirm the link")
    assert page.console_errors == []


def test_review_page_names_every_environment_and_passes_axe(two_runs, page):
    from playwright.sync_api import expect
    page.goto(f"{two_runs.url}/api/links/{INSTANCE}/review")
    environments = page.locator("#environments")
    expect(environments).to_contain_text(f"{TARGET_NAME} ({TARGET})")
    expect(environments).to_contain_text(f"CONTOSO-UAT ({LCS_ENV})")
    admin = page.get_by_role("link", name=f"Open {TARGET_NAME} in Power Platform admin center")
    expect(admin).to_have_attribute("href", f"https://admin.powerplatform.microsoft.com/environments/{TARGET}/hub")
    lcs = page.get_by_role("link", name="Open CONTOSO-UAT in Lifecycle Services")
    expect(lcs).to_have_attribute("href", f"https://lcs.dynamics.com/V2/EnvironmentDetailsV3New/{PROJECT}"
                                          f"?EnvironmentId={LCS_ENV}")
    expect(page.locator("#initial-environment")).to_contain_text(f"CONTOSO-UAT ({PLACEHOLDER})")
    assert axe_serious(page) == []
    page.screenshot(path=str(ARTIFACTS / "review-page-names.png"), full_page=True)


class AnotherSite(BaseHTTPRequestHandler):
    """A page on another site that posts the review form on its visitor's behalf."""
    target = ""

    def do_GET(self):
        body = (f'<!DOCTYPE html><html lang="en"><title>Win a prize</title><body>'
                f'<form id="f" method="post" action="{self.target}">'
                '<input name="acknowledge" value="yes"><input name="typedName" value="Adele Vance"></form>'
                '<script>document.getElementById("f").submit()</script></body></html>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def other_site(two_runs):
    AnotherSite.target = f"{two_runs.url}/api/links/{INSTANCE}/review"
    server = ThreadingHTTPServer(("127.0.0.1", 0), AnotherSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_port}/"  # another host name: another site for the browser
    server.shutdown()
    thread.join(timeout=5)


def test_a_form_posted_from_another_site_is_refused(two_runs, page, other_site):
    from playwright.sync_api import expect
    # The visitor is signed in (their Easy Auth session rides along), so only the app's own
    # cross-site check stands between this page and a confirmation.
    page.goto(other_site)
    page.wait_for_url(f"{two_runs.url}/api/links/{INSTANCE}/review?*")
    expect(page.get_by_role("alert")).to_contain_text("did not come from this page")
    status = requests.get(f"{two_runs.url}/api/links/{INSTANCE}", timeout=10).json()
    assert status["phase"] == "AwaitingConfirmation"
    assert status["confirmation"]["attempts"] == []


def test_status_and_audit_from_the_real_app(two_runs):
    status = requests.get(f"{two_runs.url}/api/links/{INSTANCE}", timeout=10).json()
    assert status["environments"]["target"]["displayName"] == TARGET_NAME
    assert status["environments"]["financeAndOperations"]["name"] == "CONTOSO-UAT"
    assert status["environments"]["initial"]["id"] == PLACEHOLDER
    assert status["requestedBy"] == {"channel": "http", "principal": None, "messageId": None}
    audit = requests.get(f"{two_runs.url}/api/links/{INSTANCE}/audit", timeout=10)
    assert audit.status_code == 200
    schema_validator("AuditRecord").validate(audit.json())
    assert audit.json()["confirmation"]["attemptCount"] == 0
    listed = requests.get(f"{two_runs.url}/api/links", timeout=10).json()["items"]
    assert {(i["instanceId"], i["kind"], i["setupMode"]) for i in listed} == {
        (INSTANCE, "link", "lcs-api"), (f"link-{UNKNOWN_LCS_ENV}", "link", "lcs-api")}
