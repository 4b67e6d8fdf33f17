"""The target fact: BAP's environment, with BAP's locations as a second source for the geography."""

from __future__ import annotations

from activities.facts.target import gather_target_environment
from domain import facts as F
from services import models as M
from services.errors import PermissionDenied
from tests.activities.facts.support import DATAVERSE_URL, REQUEST, run
from tests.activities.fakes import environment

# The target fact's JSON as activity results carry it (recorded histories hold it): the client's
# model is the fact's, so nothing the client reads beyond these may leak into it.
TARGET_KEYS = ["id", "display_name", "tenant_id", "geography", "azure_region", "has_dataverse", "instance_url",
               "instance_state", "management_state", "runtime_state", "templates", "linked_app",
               "geography_azure_regions", "sku", "domain_name"]


def test_target_environment_facts(fake):
    fake.bap.target = environment(linked_app=M.LinkedApp(None, None, None))
    value = run(gather_target_environment).value
    assert value.has_dataverse and value.templates == ("D365_FinOps_Finance",) and value.linked_app is None


def test_the_target_fact_keeps_its_recorded_shape(fake):
    fake.bap.target = environment(linked_app=M.LinkedApp(None, "d15ed3a8-c2c1-4054-840b-946c93915da9", None))
    answer = gather_target_environment({"request": REQUEST})
    assert list(answer["value"]) == TARGET_KEYS
    assert answer["value"]["linked_app"] == {"type": "", "id": "d15ed3a8-c2c1-4054-840b-946c93915da9", "url": None}


def test_a_nameless_target_is_named_by_its_id(fake):
    fake.bap.target = environment(display_name=None, geography=None)
    value = run(gather_target_environment).value
    assert value.display_name == value.id and value.geography == "" and value.geography_azure_regions == ()


def test_target_carries_bap_locations_as_a_second_source(fake):
    assert run(gather_target_environment).value.geography_azure_regions == ("eastus", "westus")
    fake.bap.locations = PermissionDenied("bap", "list_locations", 403, "Forbidden", "no")
    assert run(gather_target_environment).value.geography_azure_regions == ()  # the table alone decides then


def test_the_dataverse_token_is_asked_for_as_soon_as_the_url_is_known(fake):
    run(gather_target_environment)
    assert fake.prefetched == DATAVERSE_URL


def test_a_refused_environment_read_is_the_fact_error(fake):
    class Refusing(type(fake.bap)):
        def get_environment(self, env_id):
            raise PermissionDenied("bap", "get_environment", 403, "Forbidden", "no")
    fake.bap = Refusing()
    result = run(gather_target_environment)
    assert result.value is None and result.error == F.FactError("bap", "get_environment", "no", 403, "Forbidden",
                                                                 result.error.remedy)
    assert result.error.remedy
