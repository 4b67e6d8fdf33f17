"""A local CA (trustme) and the server certificate for 127.0.0.1 it signs.

With a state directory the CA is kept there (ca.pem, ca-key.pem), so a restarted sandbox is trusted
by whatever was told to trust the first one.
"""
from __future__ import annotations

import ssl
from pathlib import Path

import trustme

CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
CA_BUNDLE_FILE = "ca-bundle.pem"


def load_or_create_ca(state_dir: Path) -> trustme.CA:
    cert_path, key_path = state_dir / CA_FILE, state_dir / CA_KEY_FILE
    if cert_path.exists() and key_path.exists():
        return trustme.CA.from_pem(cert_path.read_bytes(), key_path.read_bytes())
    ca = trustme.CA(organization_name="Link sandbox", organization_unit_name="local test CA")
    ca.cert_pem.write_to_path(str(cert_path))
    ca.private_key_pem.write_to_path(str(key_path))
    key_path.chmod(0o600)
    return ca


def write_bundle(state_dir: Path) -> Path:
    """The system's CAs plus the sandbox CA, for clients that take one bundle for everything."""
    bundle = state_dir / CA_BUNDLE_FILE
    system = ssl.get_default_verify_paths().cafile
    parts = [Path(system).read_text(encoding="utf-8")] if system and Path(system).exists() else []
    parts.append((state_dir / CA_FILE).read_text(encoding="utf-8"))
    bundle.write_text("\n".join(parts), encoding="utf-8")
    return bundle


def server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context
