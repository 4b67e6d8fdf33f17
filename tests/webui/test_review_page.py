import base64
import hashlib
import re

import pytest

from domain.setup_modes import instructions_title
from tests.webui.support import ADELE, AWAITING, LCS_ENV, PP_ENV, parse, provisioning_status, status
from webui import PAGE_HEADERS, render_not_found_page, render_review_page
from webui.assets import SCRIPT, STYLE

ACTION = "/api/links/link-x/review"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def render(doc, **kwargs):
    kwargs.setdefault("confirm_action_url", ACTION)
    kwargs.setdefault("message", None)
    kwargs.setdefault("message_kind", None)
    return render_review_page(doc, **kwargs)


def test_awaiting_page_shows_request_checks_notice_initial_environment_and_form():
    page = parse(render(status()))
    text = page.text
    for value in ("1234567", AWAITING["request"]["lcsEnvironmentId"], "adele@contoso.onmicrosoft.com",
                  "Adele Vance", "change-4711", "P3D"):
        assert value in text
    assert "This action can't be undone" in text
    assert "Linking can't be undone. The environment is briefly unavailable." in text
    assert "Contoso initial (9d1b2c3a-0000-4000-8000-000000000001)" in page.one("p", id="initial-environment").text + text
    checks = page.all("li", class_="check")
    assert [c.attrs["data-outcome"] for c in checks] == ["passed", "warning"]
    assert "Region mapping is approximate." in text and "Check the region in LCS." in text
    assert "West Europe" in text  # evidence
    form = page.one("form")
    assert form.attrs["method"] == "post" and form.attrs["action"] == ACTION
    assert "required" in page.one("input", name="typedName").attrs
    assert "required" in page.one("input", name="acknowledge").attrs


def test_remediation_is_not_shown_for_passed_checks_but_is_for_others():
    page = parse(render(status()))
    remediations = [e.text.strip() for e in page.all("p", class_="remediation")]
    assert remediations == ["Check the region in LCS."]


@pytest.mark.parametrize("phase", ["Validating", "ValidationFailed", "StartingSetup", "Provisioning",
                                   "Verifying", "Linked", "Cancelled", "ConfirmationExpired",
                                   "ProvisioningFailed", "Failed"])
def test_form_only_while_awaiting_confirmation(phase):
    page = parse(render(status(phase=phase)))
    assert page.all("form") == []
    assert page.all("input", name="typedName") == []
    assert "Confirm and start setup" not in page.text


def test_every_form_control_has_a_label():
    page = parse(render(status(phase="Provisioning")))
    page_awaiting = parse(render(status()))
    for parsed in (page, page_awaiting):
        label_targets = {e.attrs.get("for") for e in parsed.all("label")}
        for control in parsed.all("input"):
            assert control.attrs["id"] in label_targets, control.attrs
    assert parsed.one("label", for_="typedName").text == "Your name"


def test_hostile_text_is_shown_as_text_never_as_markup():
    doc = status(
        operatorDisplayName=HOSTILE,
        checks=[{"id": "x", "title": HOSTILE, "outcome": "failed", "detail": HOSTILE,
                 "remediation": HOSTILE, "evidence": {HOSTILE: [HOSTILE]}}],
        initialEnvironment={"id": "i", "displayName": HOSTILE},
        irreversibilityNotice=HOSTILE,
    )
    doc["request"]["correlationId"] = HOSTILE
    rendered = render(doc, message=HOSTILE, message_kind="error")
    page = parse(rendered)
    # No element came from the hostile text: the only script is ours (none here: nothing refreshes),
    # and there are no images at all.
    assert page.all("img") == []
    assert all(e.text == SCRIPT for e in page.all("script"))
    assert not any(name.startswith("on") for e in page.elements for name in e.attrs)
    # ...and the reader sees the text exactly as written, several times over.
    assert page.text.count(HOSTILE) >= 8


def test_hostile_action_url_cannot_break_out_of_its_attribute():
    page = parse(render(status(), confirm_action_url='x" onsubmit="alert(1)'))
    assert page.one("form").attrs["action"] == 'x" onsubmit="alert(1)'
    assert "onsubmit" not in page.one("form").attrs


def test_error_message_is_an_alert_and_marks_the_name_invalid():
    page = parse(render(status(), message="The name you typed was not accepted.", message_kind="error"))
    notice = page.one("div", id="notice")
    assert notice.attrs["role"] == "alert"
    name = page.one("input", name="typedName")
    assert name.attrs["aria-invalid"] == "true"
    assert "notice" in name.attrs["aria-describedby"].split()


def test_success_message_is_a_polite_status():
    page = parse(render(provisioning_status(), message="Confirmed.", message_kind="success"))
    assert page.one("div", id="notice").attrs["role"] == "status"


def test_latest_attempt_result_is_shown_with_its_reason():
    doc = status()
    doc["confirmation"]["attempts"] = [
        {"at": "2025-03-01T10:01:00Z", "typedName": "Adel", "by": ADELE,
         "accepted": False, "reason": "The typed name does not match the operator's display name."}]
    assert ("Last attempt 2025-03-01 10:01:00 UTC by adele@contoso.onmicrosoft.com, typed name "
            "\u201cAdel\u201d: not accepted: The typed name does not match the operator's display name."
            ) in parse(render(doc)).text


def test_running_page_refreshes_itself_with_and_without_javascript():
    rendered = render(provisioning_status())
    page = parse(rendered)
    assert page.one("body").attrs["data-refresh-seconds"] == "5"
    assert page.one("meta", http_equiv="refresh").attrs["content"] == "5"
    assert re.search(r"<noscript><meta http-equiv=\"refresh\"", rendered)
    assert page.one("a", href="").text == "Refresh now"
    assert page.one("script").text == SCRIPT
    assert page.one("label", for_="pause-refresh")


@pytest.mark.parametrize("phase", ["AwaitingConfirmation", "Linked", "ValidationFailed"])
def test_waiting_or_final_pages_do_not_refresh(phase):
    page = parse(render(status(phase=phase)))
    assert page.all("meta", http_equiv="refresh") == [] and page.all("script") == []
    assert "data-refresh-seconds" not in page.one("body").attrs


def test_pending_submission_refreshes_soon_even_while_awaiting():
    page = parse(render(status(), message="being checked", message_kind="pending"))
    assert page.one("body").attrs["data-refresh-seconds"] == "1"


def test_an_accepted_confirmation_the_phase_does_not_show_yet_refreshes_soon():
    doc = status()
    doc["confirmation"]["attempts"] = [{"at": "2025-03-01T10:02:00Z", "typedName": "Adele Vance", "by": ADELE,
                                        "accepted": True, "reason": None}]
    page = parse(render(doc, message="Confirmed by Adele. Setup is starting.", message_kind="success"))
    assert page.one("body").attrs["data-refresh-seconds"] == "1"


def test_timeline_shows_steps_with_states_and_times():
    page = parse(render(provisioning_status()))
    steps = page.all("li", class_="step")
    assert [(s.attrs["data-step"], s.attrs["data-state"]) for s in steps] == [
        ("validated", "done"), ("confirmed", "done"), ("setup-started", "done"),
        ("provisioning", "current"), ("verified", "pending")]
    assert steps[3].attrs["aria-current"] == "step"
    times = [t.attrs["datetime"] for t in page.all("time")]
    assert "2025-03-01T10:00:05Z" in times and "2025-03-01T10:05:10Z" in times
    assert "polled 3 times, last state SetupInProgress (Provisioning Dataverse)" in page.text


def test_outcome_shows_the_disconnected_environment_and_recommendation():
    doc = provisioning_status()
    doc.update(phase="Linked", runtimeStatus="Completed", outcome={
        "result": "Linked", "message": "Linked.", "completedAt": "2025-03-01T11:30:00Z",
        "linkedEnvironment": {"id": "pp", "instanceUrl": "https://org.crm.dynamics.com"},
        "disconnectedEnvironment": {"id": "init-1", "displayName": "Contoso initial"},
        "recommendation": "Delete the initial environment once you no longer need it.", "audit": {}})
    page = parse(render(doc))
    text = page.text
    assert "Contoso initial ( init-1 )" in text  # name, then the id in its own <code>
    assert page.one("a", href="https://admin.powerplatform.microsoft.com/environments/init-1/hub").text == (
        "Open Contoso initial in Power Platform admin center")
    assert "Delete the initial environment" in text
    assert "https://org.crm.dynamics.com" in text


def test_operator_instructions_are_shown_while_setup_runs():
    doc = provisioning_status()
    doc["operatorInstructions"] = ["Open the environment in LCS.", "Select Setup."]
    page = parse(render(doc))
    assert [li.text for li in page.all("li") if li.text in doc["operatorInstructions"]] == doc["operatorInstructions"]
    # The heading is the run's mode's (domain/setup_modes): lcs-api words none of its own
    assert page.one("h2", id="h-instructions").text == instructions_title("lcs-api") == "What to do"
    doc["request"]["setupMode"] = "operator"
    assert parse(render(doc)).one("h2", id="h-instructions").text == "What to do in Lifecycle Services"


def test_page_is_self_contained_and_its_policy_allows_exactly_its_inline_code():
    rendered = render(provisioning_status())
    page = parse(rendered)
    assert page.all("link") == [] and page.all("img") == []
    assert not re.search(r"src=\"https?:", rendered)
    # The only addresses elsewhere are links a person may follow to the environments' admin pages.
    external = {e.attrs["href"].split("/")[2] for e in page.all("a") if e.attrs["href"].startswith("http")}
    assert external == {"admin.powerplatform.microsoft.com", "lcs.dynamics.com"}
    policy = page.one("meta", http_equiv="Content-Security-Policy").attrs["content"]

    def digest(source):
        return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"
    assert page.one("style").text == STYLE
    assert f"style-src {digest(STYLE)}" in policy
    assert f"script-src {digest(page.one('script').text)}" in policy
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in PAGE_HEADERS["Content-Security-Policy"]


def test_page_has_language_title_headings_and_skip_link():
    page = parse(render(status()))
    assert page.one("html").attrs["lang"] == "en"
    assert page.one("title").text == "Review and confirm the link: AwaitingConfirmation"
    assert page.one("h1").text == "Review and confirm the link"
    assert page.one("a", class_="skip").attrs["href"] == "#main"
    assert page.one("main").attrs["id"] == "main"


def test_not_found_page_escapes_the_id():
    page = parse(render_not_found_page("<b>nope</b>"))
    assert "<b>nope</b>" in page.text and page.all("b") == []
    assert page.one("h1").text == "No such run"


ENVIRONMENTS = {
    "target": {"id": PP_ENV, "displayName": "Contoso Finance UAT", "dataverseUrl": "https://contoso-uat.crm.dynamics.com",
               "adminUrl": f"https://admin.powerplatform.microsoft.com/environments/{PP_ENV}/hub"},
    "financeAndOperations": {"id": LCS_ENV, "name": "CONTOSO-UAT", "projectId": 1234567,
                             "lcsUrl": f"https://lcs.dynamics.com/V2/EnvironmentDetailsV3New/1234567?EnvironmentId={LCS_ENV}"},
    "initial": None,
}


def test_environments_are_named_with_their_ids_and_admin_pages():
    page = parse(render(status(environments=ENVIRONMENTS)))
    section = page.one("div", id="environments")
    assert section is not None
    text = page.text
    assert f"Contoso Finance UAT ( {PP_ENV} )" in text and f"CONTOSO-UAT ( {LCS_ENV} )" in text
    links = {a.attrs["href"]: a.text for a in page.all("a") if a.attrs["href"].startswith("https")}
    assert links[ENVIRONMENTS["target"]["adminUrl"]] == "Open Contoso Finance UAT in Power Platform admin center"
    assert links[ENVIRONMENTS["financeAndOperations"]["lcsUrl"]] == "Open CONTOSO-UAT in Lifecycle Services"
    assert links["https://contoso-uat.crm.dynamics.com"] == "https://contoso-uat.crm.dynamics.com"


def test_before_validation_the_ids_still_link_to_their_admin_pages():
    page = parse(render(status(environments=None, phase="Validating")))
    hrefs = [a.attrs["href"] for a in page.all("a")]
    assert f"https://admin.powerplatform.microsoft.com/environments/{PP_ENV}/hub" in hrefs
    assert f"https://lcs.dynamics.com/V2/EnvironmentDetailsV3New/1234567?EnvironmentId={LCS_ENV}" in hrefs


def test_a_dataverse_url_that_is_not_http_is_shown_but_never_linked():
    hostile = {**ENVIRONMENTS, "target": {**ENVIRONMENTS["target"], "dataverseUrl": "javascript:alert(1)"}}
    rendered = render(status(environments=hostile))
    assert 'href="javascript:' not in rendered
    assert "Dataverse javascript:alert(1)" in parse(rendered).text
