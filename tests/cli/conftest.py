import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from tests.cli.fake_api import FakeApi

ROOT = Path(__file__).resolve().parents[2]
OPERATOR = "adele@contoso.onmicrosoft.com"
LCS_ENV = "5B0AB7D2-3F7C-4F7E-9D8E-0E4B9D8A1C11"
PP_ENV = "0f7c6a3e-1b2d-4c5e-8f90-a1b2c3d4e5f6"
LINK_ARGS = ["-p", "1234567", "-e", LCS_ENV, "-t", PP_ENV, "-o", OPERATOR]


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> dict:
        return json.loads(self.stdout)


@pytest.fixture
def api():
    with FakeApi() as fake:
        yield fake


@pytest.fixture
def run_cli(api):
    """The real entry point, `python -m cli`, in a child process."""
    def run(*args, stdin="", env=None, principal=OPERATOR):
        globals_ = ["--url", api.url, "--poll-interval", "0.01", "--timeout", "60"]
        if principal:
            globals_ += ["--principal", principal]
        child_env = {key: value for key, value in os.environ.items() if not key.startswith("LINK_")}
        completed = subprocess.run([sys.executable, "-m", "cli", *globals_, *args], input=stdin, text=True,
                                   capture_output=True, cwd=ROOT, env=child_env | (env or {}), timeout=120)
        return Outcome(completed.returncode, completed.stdout, completed.stderr)
    return run


@pytest.fixture
def invoke(api):
    """The same typer app in this process (faster; for the many cases)."""
    def run(*args, stdin=None, principal=OPERATOR, url=None, timeout="30"):
        globals_ = ["--url", url or api.url, "--poll-interval", "0.01", "--timeout", timeout]
        if principal:
            globals_ += ["--principal", principal]
        result = CliRunner().invoke(app, [*globals_, *args], input=stdin, env={"COLUMNS": "200"})
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Outcome(result.exit_code, result.stdout, result.stderr)
    return run
