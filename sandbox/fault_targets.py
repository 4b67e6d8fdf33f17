"""What a keyed fault can aim at in one request: its operation (`service.route`), the keys it names
(path parameters such as a project or an environment id, query values, an Entra token request's
scopes) and its identity across retries, from which per-request fault draws are seeded."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from werkzeug.wrappers import Request

from sandbox.model import normalize_guid



@dataclass(frozen=True)
class FaultTarget:
    service: str
    operation: str | None  # "lcs.setup"; None when no route of the service takes the request
    keys: frozenset[str]
    identity: tuple[str, ...]  # what stays the same when the request is sent again


def target_of(request: Request, service: str, route: tuple[str, dict[str, str]] | None, base_url: str) -> FaultTarget:
    params = route[1] if route else {}
    values = [v for v in params.values() if v] + [v for _, v in request.args.items(multi=True)]
    scope = ""
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        # Read through werkzeug's cache, so the service still finds the form.
        form = parse_qs(request.get_data(cache=True).decode("latin-1"))
        scope = (form.get("scope") or [""])[0]
        values += scope.split()
    # A Dataverse scope names the sandbox's port, which changes from run to run; identities must not.
    identity = (service, request.method, request.path, request.query_string.decode("latin-1"),
                scope.replace(base_url, "{sandbox}"))
    # Keys compare like the services compare ids: GUIDs with or without dashes or braces, in any case.
    return FaultTarget(service, f"{service}.{route[0]}" if route else None,
                       frozenset(normalize_guid(v) for v in values), identity)
