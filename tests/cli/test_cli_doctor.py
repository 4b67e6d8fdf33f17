"""The doctor's human view: each permission with its status and, when not granted, its fix."""
from rich.console import Console

from cli.doctor import doctor_view


def test_view_names_each_permission_status_and_fix():
    report = {"status": "missing", "permissions": [
        {"key": "graph-user-read-all", "name": "User.Read.All", "kind": "Microsoft Graph application permission",
         "status": "granted", "detail": "users readable", "fix": None},
        {"key": "dataverse-application-user", "name": "Dataverse application user", "kind": "Dataverse application user",
         "status": "missing", "detail": "HTTP 403", "fix": {"grant": "Add the app as an application user.",
                                                            "commands": ["pac admin assign-user --application-user"]}},
    ]}
    console = Console(record=True, width=200)
    console.print(doctor_view(report))
    text = console.export_text()
    assert "User.Read.All" in text and "granted" in text
    assert "pac admin assign-user --application-user" in text and "A permission is missing" in text
