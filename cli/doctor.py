"""`python -m cli doctor`: are the app's permissions granted? The app answers with its own identity
(GET /api/health/permissions); this shows, per permission, granted / missing / not checkable and
the fix. Exit 0 when every permission that could be checked is granted, 8 when one is missing."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer
from rich.console import Group
from rich.table import Table
from rich.text import Text

from cli.app import Done, Session, _run, app
from cli.options import JsonFlag
from cli.exit_codes import ExitCode

_STYLES = {"granted": "green", "missing": "red", "not checkable": "yellow"}


def doctor_view(report: dict[str, Any]) -> Group:
    table = Table(title="Permissions of the link app", show_lines=True)
    for column in ("permission", "status", "detail", "fix"):
        table.add_column(column, overflow="fold")
    for item in report.get("permissions", []):
        fix = item.get("fix") or {}
        table.add_row(f"{item['name']}\n({item['kind']})", Text(item["status"], style=_STYLES.get(item["status"], "")),
                      item.get("detail") or "", "\n".join([fix.get("grant", ""), *fix.get("commands", [])]).strip())
    verdict = {"granted": "Every permission is granted.",
               "missing": "A permission is missing: the checks that need it will say error until it is granted.",
               "not checkable": "Some permissions could not be checked; see their detail."}[report["status"]]
    return Group(table, Text(verdict, style=_STYLES[report["status"]]))


@app.command()
def doctor(
    ctx: typer.Context,
    environment: Annotated[Optional[str], typer.Option(
        "--power-platform-environment-id", "-t", help="Also check the Dataverse application user there.")] = None,
    lcs_account: Annotated[Optional[str], typer.Option(
        "--lcs-account", help="Also check this operator's LCS sign-in (the public client).")] = None,
    json_output: JsonFlag = False,
) -> None:
    """Check that the app holds every permission it needs, and say how to grant what is missing."""
    def body(session: Session) -> Done:
        report = session.api.permissions(environment, lcs_account)
        code = ExitCode.SERVICE_FAILURE if report.get("status") == "missing" else ExitCode.OK
        return Done(code, {"report": report}, doctor_view(report))
    _run(ctx, "doctor", json_output, body)
