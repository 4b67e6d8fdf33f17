"""SandboxServer: the sandbox behind HTTPS on 127.0.0.1, in a background thread.

    with SandboxServer.start(scenario="happy-path") as server:
        os.environ.update(server.settings())
        ...

Everything the product needs to talk to it comes from `settings()`: the product's own setting names
(app_settings.py), so a host started with them reaches the sandbox instead of Microsoft.
"""
from __future__ import annotations

import shutil
import socket
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable, TypeVar

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from sandbox.app import Sandbox
from sandbox.clock import SandboxClock
from sandbox.model import Scenario
from sandbox.scenario import load_scenario
from sandbox.tls import CA_BUNDLE_FILE, CA_FILE, load_or_create_ca, server_context, write_bundle
from sandbox.tokens import TokenIssuer, load_or_create_key

HOST = "127.0.0.1"
T = TypeVar("T")


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr (the call log has it), and no Nagle delay between headers and body."""

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class SandboxServer:
    def __init__(self, sandbox: Sandbox, http: BaseWSGIServer, state_dir: Path, owns_state_dir: bool) -> None:
        self.sandbox = sandbox
        self._http = http
        self._state_dir = state_dir
        self._owns_state_dir = owns_state_dir
        self._thread = threading.Thread(target=http.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"sandbox-{http.port}", daemon=True)
        self._thread.start()

    @classmethod
    def start(cls, scenario: str | dict[str, Any] | Scenario = "happy-path", port: int = 0,
              state_dir: str | Path | None = None) -> SandboxServer:
        """Load the scenario (name, path or dict), listen on 127.0.0.1:`port` (0 = a free port) and serve."""
        loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        owns = state_dir is None
        directory = Path(tempfile.mkdtemp(prefix="sandbox-")) if owns else Path(state_dir)
        directory.mkdir(parents=True, exist_ok=True)
        try:
            ca = load_or_create_ca(directory)
            write_bundle(directory)
            # Bind first with a placeholder app: the base URL (and so token issuers, Dataverse URLs) needs the port.
            http = make_server(HOST, port, lambda environ, start: [], threaded=True, request_handler=_QuietHandler)
            # TLS handshakes happen in each connection's thread, not in the accept loop, so a client
            # that connects and stays silent cannot stall the whole server.
            context = server_context(ca)
            http.socket = context.wrap_socket(http.socket, server_side=True, do_handshake_on_connect=False)
            http.ssl_context = context
        except BaseException:
            if owns:
                shutil.rmtree(directory, ignore_errors=True)
            raise
        base_url = f"https://{HOST}:{http.port}"
        sandbox = Sandbox(loaded, base_url, TokenIssuer(load_or_create_key(directory), base_url), SandboxClock())
        http.app = sandbox
        return cls(sandbox, http, directory, owns)

    # ------------------------------------------------------------ where things are

    @property
    def base_url(self) -> str:
        return self.sandbox.base_url

    @property
    def port(self) -> int:
        return self._http.port

    @property
    def ca_cert_path(self) -> str:
        """PEM of the sandbox CA: trust it (SERVICES_CA_BUNDLE, requests' verify=, connection_verify=)."""
        return str(self._state_dir / CA_FILE)

    @property
    def ca_bundle_path(self) -> str:
        """The system CAs plus the sandbox CA, for REQUESTS_CA_BUNDLE-style settings that replace system trust."""
        return str(self._state_dir / CA_BUNDLE_FILE)

    @property
    def clock(self) -> SandboxClock:
        return self.sandbox.clock

    @property
    def scenario(self) -> Scenario:
        return self.sandbox.world.scenario

    def dataverse_org_url(self, org: str) -> str:
        return f"{self.base_url}/dataverse/{org}"

    @property
    def service_urls(self) -> dict[str, Any]:
        return {
            "authority": self.base_url,
            "lcs": f"{self.base_url}/lcs",
            "bap": f"{self.base_url}/bap",
            "powerplatform": f"{self.base_url}/powerplatform",
            "graph": f"{self.base_url}/graph",
            "dataverse": {org: self.dataverse_org_url(org) for org in self.scenario.dataverse_orgs},
            "admin": f"{self.base_url}/_sandbox",
        }

    def settings(self) -> dict[str, str]:
        """Product settings (environment variables / app settings) that point the product at this sandbox."""
        scenario = self.scenario
        values = {
            "AZURE_AUTHORITY_HOST": self.base_url,
            "IDENTITY_DISABLE_INSTANCE_DISCOVERY": "true",
            "SERVICES_CA_BUNDLE": self.ca_cert_path,
            "LCS_BASE_URL": f"{self.base_url}/lcs",
            "BAP_BASE_URL": f"{self.base_url}/bap",
            "POWERPLATFORM_API_BASE_URL": f"{self.base_url}/powerplatform",
            "GRAPH_BASE_URL": f"{self.base_url}/graph",
            "LCS_ALLOWED_HOSTS": HOST,
            "BAP_ALLOWED_HOSTS": HOST,
            "POWERPLATFORM_API_ALLOWED_HOSTS": HOST,
            "GRAPH_ALLOWED_HOSTS": HOST,
            "DATAVERSE_ALLOWED_HOSTS": HOST,
            "AZURE_TENANT_ID": scenario.tenant.id,
        }
        confidential = scenario.confidential_application()
        if confidential is not None:
            values.update(AZURE_CLIENT_ID=confidential.client_id, AZURE_CLIENT_SECRET=confidential.client_secret)
        public = scenario.public_application()
        if public is not None:
            values["LCS_CLIENT_ID"] = public.client_id
        return values

    # ------------------------------------------------------------ in-process conveniences (same as /_sandbox/)

    def load_scenario(self, scenario: str | dict[str, Any] | Scenario) -> Scenario:
        return self.sandbox.load(scenario)

    def reset(self) -> None:
        self.sandbox.reset()

    def calls(self) -> list[dict[str, Any]]:
        return self.sandbox.calls.entries()

    def setup_starts(self) -> dict[str, int]:
        return self.sandbox.world.setup_starts()

    def install_starts(self) -> dict[str, dict[str, int]]:
        """Accepted application package installs: {environment id: {uniqueName: count}}."""
        return self.sandbox.world.installs.starts()

    def set_faults(self, faults: dict[str, Any]) -> None:
        self.sandbox.configure_faults(faults)

    def add_middleware(self, wrap: Callable[[Any], T]) -> T:
        """Put WSGI middleware in front of the sandbox (e.g. a recorder of wall-clock times in a test);
        `wrap` gets the application serving now and returns the one to serve from the next request."""
        middleware = wrap(self._http.app)
        self._http.app = middleware
        return middleware

    # ------------------------------------------------------------ lifecycle

    def stop(self) -> None:
        if self._thread.is_alive():
            self._http.shutdown()
            self._thread.join(timeout=10)
        self._http.server_close()
        if self._owns_state_dir:
            shutil.rmtree(self._state_dir, ignore_errors=True)

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
