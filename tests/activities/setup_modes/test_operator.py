"""operator mode: a person starts setup; the run reads the target environment through public APIs."""

from __future__ import annotations

import pytest

import activities.setup as setup
from activities.setup_modes import starter_for
from domain.setup_modes import setup_mode
from services import models as M
from tests.activities.fakes import LCS_ENV, OTHER, environment
from tests.activities.setup_modes.support import REQUEST, run

OPERATOR_REQUEST = {**REQUEST, "setupMode": "operator"}


@pytest.mark.parametrize("target, state", [
    (environment(), "NotStarted"),
    (environment(management_state="Updating"), "InProgress"),
    (environment(linked_app=M.LinkedApp("Linked", LCS_ENV.replace("-", ""), "https://fo")), "Succeeded"),
    (environment(linked_app=M.LinkedApp("Linked", OTHER, None)), "Failed"),
])
def test_read_provisioning_in_operator_mode_uses_the_target_environment(fake, target, state):
    fake.bap.target = target
    assert run(setup.read_provisioning, {"request": OPERATOR_REQUEST})["state"] == state


@pytest.mark.parametrize("target, reading", [
    (environment(), {"state": "NotStarted"}),
    (environment(management_state="Updating"), {"state": "InProgress", "phase": "Updating"}),
    (environment(linked_app=M.LinkedApp("Linked", LCS_ENV, "https://fo")), {"state": "Succeeded", "phase": "Linked"}),
])
def test_an_operator_reading_carries_only_what_the_environment_showed(fake, target, reading):
    fake.bap.target = target
    assert run(setup.read_provisioning, {"request": OPERATOR_REQUEST}) == reading


def test_operator_mode_never_reads_lcs(fake, monkeypatch):
    monkeypatch.setattr(fake, "lcs", lambda upn: pytest.fail("operator mode asked LCS"))
    assert run(setup.read_provisioning, {"request": OPERATOR_REQUEST})["state"] == "NotStarted"


def test_the_app_never_starts_setup_in_operator_mode(fake):
    with pytest.raises(TypeError, match="operator does not start setup"):
        starter_for(setup_mode("operator"))
    with pytest.raises(TypeError):
        run(setup.start_setup, {"request": OPERATOR_REQUEST, "confirmedBy": "Adele Vance"})
    assert fake.lcs_client.starts == []
