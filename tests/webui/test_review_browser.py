"""The review page in a real browser (Debian's headless Chromium driven by Playwright), served by the
real app on devhost: read the checklist, type a wrong name, type the right one, watch the run move on."""
from pathlib import Path

import pytest
import requests

from cli.client import easy_auth_headers
from tests.cli.stack import INSTANCE, OPERATOR, OPERATOR_NAME, PLACEHOLDER, PROJECT, LCS_ENV, TARGET

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [
    pytest.mark.browser, pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (/usr/bin/chromium): "
                                                     "scripts/bootstrap.sh --browser installs it"),
]
LAPTOP = {"width": 1366, "height": 768}
# Contrast of an element's text against the first opaque background behind it (WCAG formula).
CONTRAST_JS = """
(selector) => {
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  const rgba = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const color = rgba(getComputedStyle(node).backgroundColor);
      if (color.length === 3 || color[3] > 0) { return color; }
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll(selector)].filter((e) => e.offsetParent !== null).map((e) => {
    const [a, b] = [luminance(rgba(getComputedStyle(e).color)), luminance(background(e))];
    return {text: e.textContent.trim().slice(0, 40), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)};
  });
}
"""


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    # The operator is signed in: in Azure, App Service Authentication adds these headers itself.
    context = browser.new_context(viewport=LAPTOP, extra_http_headers=easy_auth_headers(OPERATOR))
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    yield page
    context.close()


def start_link(stack) -> str:
    answer = requests.post(f"{stack.url}/api/links", timeout=30, json={
        "lcsProjectId": PROJECT, "lcsEnvironmentId": LCS_ENV, "powerPlatformEnvironmentId": TARGET,
        "operator": OPERATOR})
    assert answer.status_code == 202, answer.text
    stack.host.wait_until(lambda: requests.get(f"{stack.url}/api/links/{INSTANCE}", timeout=10)
                          .json()["phase"] == "AwaitingConfirmation", timeout=60)
    return answer.json()["links"]["review"]


def focus_order(page, steps: int) -> list[str]:
    order = []
    for _ in range(steps):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))
    return order


def test_review_confirm_and_follow(stack, page):
    from playwright.sync_api import expect
    ARTIFACTS.mkdir(exist_ok=True)
    stack.use_scenario("happy-path")
    try:
        with stack.clock_held_until_confirmed():
            page.goto(start_link(stack))
            # Keyboard: the skip link first, then the form's controls in reading order.
            order = focus_order(page, 40)
            assert order[0] == "Skip to content"
            assert order.index("acknowledge") < order.index("typedName") < order.index("Confirm and start setup")

            # The checklist: every check with its outcome, and what can't be undone.
            expect(page.get_by_role("heading", level=1)).to_have_text("Review and confirm the link")
            checks = page.locator("li.check")
            expect(checks).to_have_count(10)
            expect(page.locator('li.check[data-outcome="passed"]')).to_have_count(10)
            expect(page.locator("#checks-summary")).to_have_text("10 checks: 10 passed.")
            expect(page.get_by_role("heading", name="This action can't be undone")).to_be_visible()
            expect(page.locator("#initial-environment")).to_contain_text(f"CONTOSO-UAT ({PLACEHOLDER})")
            expect(page.locator("#irreversibility-notice")).to_contain_text("can't be undone")
            first = checks.first
            first.get_by_text("Evidence").focus()
            page.keyboard.press("Enter")  # <details> opens from the keyboard
            expect(first.locator(".evidence")).to_be_visible()

            low = [c for c in page.evaluate(CONTRAST_JS, "h1, h2, h3, p, dt, dd, label, .badge, button, a, summary")
                   if c["ratio"] < 4.5]
            assert low == []
            page.screenshot(path=str(ARTIFACTS / "review-page-awaiting-confirmation.png"), full_page=True)

            # A wrong name: refused, and the page says so.
            page.get_by_role("checkbox", name="I have read every check").check()
            page.get_by_label("Your name").fill("Adele V.")
            page.get_by_label("Your name").press("Enter")
            expect(page.get_by_role("alert")).to_contain_text("was not accepted")
            expect(page.get_by_label("Your name")).to_have_attribute("aria-invalid", "true")
            expect(page.locator("#phase")).to_have_text("AwaitingConfirmation")
            expect(page.locator("#last-attempt")).to_contain_text("Adele V.")
            page.screenshot(path=str(ARTIFACTS / "review-page-wrong-name.png"), full_page=True)

            # The right name: accepted, and the status moves on by itself.
            page.get_by_role("checkbox", name="I have read every check").check()
            page.get_by_label("Your name").fill(OPERATOR_NAME)
            page.get_by_role("button", name="Confirm and start setup").click()
            expect(page.locator("#phase")).not_to_have_text("AwaitingConfirmation")
        expect(page.get_by_role("heading", level=1)).to_have_text("Link status")
        expect(page.locator("#phase")).to_have_text("Linked", timeout=60_000)
        expect(page.locator('li.step[data-state="done"]')).to_have_count(5)
        expect(page.get_by_role("heading", name="Outcome")).to_be_visible()
        expect(page.locator("main")).to_contain_text(f"CONTOSO-UAT ({PLACEHOLDER})")
        page.screenshot(path=str(ARTIFACTS / "review-page-linked.png"), full_page=True)
        assert page.console_errors == []  # e.g. no Content-Security-Policy violation
    finally:
        stack.forget_runs()


def test_unknown_run_is_a_404_page(stack, page):
    response = page.goto(f"{stack.url}/api/links/link-00000000-0000-0000-0000-000000000000/review")
    assert response.status == 404
    assert page.title() == "No such run"
