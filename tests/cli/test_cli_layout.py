"""The checks and the run as a terminal shows them, at 80, 120 and 200 columns: one line per
check (outcome and title) with detail and fix below, ids never cut, no empty rows; and one
capture from a real terminal (tmux) at 80 columns, kept in test-artifacts/."""
import io
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from cli import views
from domain.checks import CHECKS
from tests.cli.layout import ACTIVITY, IDS, INSTANCE, LCS_ENV, OPERATOR, TARGET, cut_ids, empty_rows, status_document

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
WIDTHS = (80, 120, 200)


def render(view, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None, record=True, legacy_windows=False)
    views.print_view(console, view)
    return console.export_text().splitlines()


@pytest.mark.parametrize("width", WIDTHS)
def test_status_reads_at_every_width(width):
    document = status_document()
    lines = render(views.status_view(document, document["links"]["review"]), width)
    assert cut_ids(lines) == []
    assert empty_rows(lines) == []
    for check in CHECKS:  # outcome and title start one line; long titles may wrap, whole words only
        head = next(line for line in lines if check.title.split()[0] in line and "\u2714" in line
                    or check.title.split()[0] in line and ("\u2716" in line or "\u26a0" in line))
        assert head.split()[0] in ("\u2714", "\u2716", "\u26a0")
    text = "\n".join(lines)
    assert "Fix: Assign a Dynamics 365 Finance" in " ".join(text.split())
    assert "Contoso Finance UAT (fc384085-a8b1-4b50-926a-e95c355a7195)" in text
    assert "CONTOSO-UAT (a98e06c0-b563-411f-9431-23b5ed5c93ed)" in text
    # Addresses are left whole on their own line (the terminal wraps them, so they stay clickable).
    for url in (document["environments"]["financeAndOperations"]["lcsUrl"],
                document["environments"]["target"]["adminUrl"], document["links"]["review"]):
        assert any(line.strip().endswith(url) for line in lines), url
    assert "environmentId" not in text  # evidence only with --verbose


@pytest.mark.parametrize("width", WIDTHS)
def test_verbose_adds_the_evidence_below_each_check(width):
    document = status_document()
    lines = render(views.status_view(document, "http://x/review", verbose=True), width)
    assert cut_ids(lines) == [] and empty_rows(lines) == []
    evidence = [line for line in lines if line.strip().startswith("environmentId:")]
    assert len(evidence) == len(CHECKS)
    assert all(line.startswith(" " * 8) for line in evidence)


@pytest.mark.parametrize("width", WIDTHS)
def test_provisioning_and_outcome_keep_ids_whole(width):
    document = status_document()
    document.update(phase="Linked", runtimeStatus="Completed",
                    provisioning={"startedAt": "2026-03-01T10:06:00Z", "polls": 22, "lastState": "Succeeded",
                                  "setupActivityId": ACTIVITY},
                    outcome={"result": "Linked", "message": "Linked.", "completedAt": "2026-03-01T11:30:00Z",
                             "disconnectedEnvironment": document["initialEnvironment"],
                             "recommendation": "Keep or delete the initial environment on purpose."})
    document["timeline"] += [{"phase": p, "at": "2026-03-01T11:00:00Z"}
                             for p in ("StartingSetup", "Provisioning", "Verifying", "Linked")]
    lines = render(views.status_view(document, "http://x/review"), width)
    assert cut_ids(lines, (*IDS, ACTIVITY)) == [] and empty_rows(lines) == []
    assert "Outcome: Linked" in "\n".join(lines)


def test_eighty_columns_in_a_real_terminal(api, tmp_path):
    """What a person sees in an 80-column tmux window (`capture-pane -J` joins the lines the
    terminal itself wrapped, as copying does), kept as test-artifacts/cli-status-80x50.txt."""
    if shutil.which("tmux") is None:
        pytest.skip("needs tmux (Debian's tmux: scripts/bootstrap.sh --browser installs it)")
    api.checks = status_document()["checks"]
    session = f"cli-layout-{tmp_path.name}"[:50]
    command = (f"{sys.executable} -m cli --url {api.url} --principal {OPERATOR} --poll-interval 0.01 "
               f"preflight -p 1234567 -e {LCS_ENV} -t {TARGET} -o {OPERATOR}; echo CLI-EXIT-$?; sleep 600")
    subprocess.run(["tmux", "-L", session, "new-session", "-d", "-s", session, "-x", "80", "-y", "50",
                    "-c", str(ROOT), command], check=True, env={"PATH": "/usr/bin:/bin", "TERM": "xterm-256color",
                                                               "HOME": str(tmp_path)})
    try:
        screen = ""
        deadline = time.monotonic() + 120
        while "CLI-EXIT-" not in screen and time.monotonic() < deadline:
            time.sleep(0.2)
            screen = subprocess.run(["tmux", "-L", session, "capture-pane", "-p", "-J", "-S", "-", "-t", session],
                                    capture_output=True, text=True).stdout
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "cli-status-80x50.txt").write_text(screen)
        assert "CLI-EXIT-3" in screen, screen  # two checks fail: exit 3
        lines = screen[:screen.index("CLI-EXIT-")].splitlines()
        assert max(len(line) for line in lines if "http" not in line) <= 80
        assert cut_ids(lines, (*api.runs, LCS_ENV, TARGET, OPERATOR)) == [] and empty_rows(lines) == []
        assert "\u2716 failed" in screen and "Fix: " in screen
    finally:
        subprocess.run(["tmux", "-L", session, "kill-server"], capture_output=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_list_and_audit_read_at_every_width(width):
    from datetime import datetime, timezone

    from cli import reports
    from tests.webui.test_audit_record import linked_after_a_late_confirmation
    from tests.webui.support import FLEET_NOW as NOW, fleet_items as many
    from webui.audit import audit_record
    from domain.fleet import fleet
    items = many(40)
    lines = render(reports.links_view(fleet(items, "AwaitingConfirmation"), NOW), width)
    shown = [i for i in items if i["phase"] == "AwaitingConfirmation"]
    assert cut_ids(lines, [i["instanceId"] for i in shown] + [i["powerPlatformEnvironmentId"] for i in shown]) == []
    assert empty_rows(lines) == [] and lines[0].startswith("40 runs: ")
    record = audit_record(linked_after_a_late_confirmation())
    lines = render(reports.audit_view(record), width)
    assert cut_ids(lines, (record["instanceId"], "act-1", "megan@contoso.onmicrosoft.com")) == []
    assert empty_rows(lines) == []
    text = " ".join(" ".join(lines).split())
    assert "Requested through the API by megan@contoso.onmicrosoft.com" in text
    assert "23 attempts; the 21 oldest were not kept" in text
    assert "Checks as they stood at confirmation" in text and "Checked again at" in text
    assert datetime.now(timezone.utc) > NOW


def test_the_detectors_find_a_folded_id_and_an_empty_row():
    folded = render(prose_of(f"target {TARGET} and {INSTANCE}"), 30)
    assert cut_ids(folded, (INSTANCE,)) != []
    assert empty_rows(["\u2502 text \u2502", "\u2502      \u2502"]) == [1]


def prose_of(value):
    from rich.text import Text
    return Text(value, overflow="fold")
