import pytest

from services.identity import lcs_sign_in
from services.settings import ServiceSettings
from tests.cli.stack import OPERATOR, running_stack


@pytest.fixture(scope="module")
def stack(azurite, tmp_path_factory, request):
    hub = "Webui" + request.module.__name__.rsplit(".", 1)[-1].replace("_", "").title()[:40]
    with running_stack(tmp_path_factory.mktemp("webui-stack"), azurite.connection_string, hub) as running:
        # The operator has signed in to LCS once (what `python -m cli login` does).
        lcs_sign_in(ServiceSettings.from_env(running.env), OPERATOR, on_prompt=lambda prompt: None)
        yield running
