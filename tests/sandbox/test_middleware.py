"""SandboxServer.add_middleware: WSGI middleware in front of a running sandbox sees every request."""
from __future__ import annotations


def test_middleware_sees_each_request_and_the_sandbox_still_answers(client, server, ids):
    seen: list[str] = []

    def recorder(app):
        def middleware(environ, start_response):
            seen.append(environ["PATH_INFO"])
            return app(environ, start_response)
        return middleware

    installed = server.add_middleware(recorder)
    answer = client.get(f"/{ids.tenant}/v2.0/.well-known/openid-configuration")
    assert answer.status_code == 200 and answer.json()["issuer"].endswith("/v2.0")
    assert seen == [f"/{ids.tenant}/v2.0/.well-known/openid-configuration"]
    assert server.add_middleware(lambda app: app) is installed  # each wraps what serves now
