import pytest

from devhost.testing import DevhostProcess, azurite  # noqa: F401  (azurite is a fixture)
from tests.devhost.support import SAMPLE_APP, sample_env


@pytest.fixture(scope="module")
def sample_host(azurite, tmp_path_factory):  # noqa: F811
    state = tmp_path_factory.mktemp("sample-host")
    host = DevhostProcess(SAMPLE_APP, state / "devhost", env=sample_env(azurite, state))
    host.start()
    yield host
    host.stop()
