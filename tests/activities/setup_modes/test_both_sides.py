"""The verification both current modes share: the link must show on both sides."""

from __future__ import annotations

import pytest

import activities.setup as setup
from services import models as M
from services.errors import ServiceUnavailable
from tests.activities.fakes import LCS_ENV, environment
from tests.activities.setup_modes.support import REQUEST, run


@pytest.mark.parametrize("mode", ["lcs-api", "operator"])
def test_verify_needs_both_sides_to_name_the_environment(fake, mode):
    request = {**REQUEST, "setupMode": mode}
    fake.bap.target = environment(linked_app=M.LinkedApp("Linked", LCS_ENV, "https://fo"))
    first = run(setup.verify_link, {"request": request})
    assert first["verified"] is False  # Dataverse does not say so yet
    assert first["message"] == f"Dataverse reports integration with None, not {LCS_ENV}"
    fake.dataverse_client.integration = M.FinOpsIntegration("https://fo", "72ad15fq-3m88", LCS_ENV.upper())
    result = run(setup.verify_link, {"request": request})
    assert result["verified"] is True and result["evidence"]["financeAndOperationsUrl"] == "https://fo"
    assert result["message"] == "Verified."


def test_a_service_failure_is_not_verified_with_its_reason(fake, monkeypatch):
    def down(_):
        raise ServiceUnavailable("bap", "get_environment", 503, None, "Service Unavailable")
    monkeypatch.setattr(fake.bap, "get_environment", down)
    result = run(setup.verify_link, {"request": REQUEST})
    assert result["verified"] is False and result["evidence"] is None and "503" in result["message"]
