"""The LCS environment fact: LCS's answer mapped, a refusal is an answer, a missing sign-in an error."""

from __future__ import annotations

from dataclasses import dataclass

from activities.facts.lcs_environment import gather_lcs_environment
from services import models as M
from services.errors import PermissionDenied, TokenUnavailable
from tests.activities.facts.support import run
from tests.activities.fakes import LCS_ENV


@dataclass
class FakeLcsMetadata:
    answer: object = None

    def signed_in_account(self):
        return M.LcsAccount("admin@contoso.onmicrosoft.com", "t1", "oid")

    def get_environment(self, project_id, environment_id):
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_lcs_access_denied_is_a_business_answer_not_an_error(fake):
    fake.lcs_client = FakeLcsMetadata(PermissionDenied("lcs", "get_environment", 403, None, "not a member"))
    result = run(gather_lcs_environment)
    assert result.error is None and result.value.access_denied and not result.value.found


def test_lcs_environment_is_mapped(fake):
    fake.lcs_client = FakeLcsMetadata(M.LcsEnvironment(LCS_ENV, "Sandbox1", 1234567, "Sandbox", "Finished",
                                                       "Deployed", "East US", None, "Finance and Operations"))
    value = run(gather_lcs_environment).value
    assert value.found and value.region == "East US" and value.signed_in_tenant_id == "t1"


def test_an_unknown_lcs_environment_is_not_found(fake):
    fake.lcs_client = FakeLcsMetadata(None)
    value = run(gather_lcs_environment).value
    assert not value.found and not value.access_denied and value.signed_in_upn == "admin@contoso.onmicrosoft.com"


def test_no_lcs_sign_in_becomes_an_error_with_the_remedy(fake):
    class NoToken(FakeLcsMetadata):
        def signed_in_account(self):
            raise TokenUnavailable("lcs", "no cached account", "Run python -m cli login --account admin@contoso.onmicrosoft.com")
    fake.lcs_client = NoToken()
    result = run(gather_lcs_environment)
    assert result.value is None and result.error.remedy.startswith("Run python -m cli login")
