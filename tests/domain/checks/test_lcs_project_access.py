"""lcs-project-access: who LCS is signed in as, the project role, the environment's type and deployment."""

import pytest

from domain import facts as F
from domain.checks.lcs_project_access import CHECK
from tests.domain.checks.happy import check, expect, with_


@pytest.mark.parametrize("changes, outcome, words", [
    ({}, "passed", "can manage 'Sandbox1'"),
    (with_(F.LCS_ENVIRONMENT, environment_type="Production"), "passed", "Production, deployed"),
    (with_(F.LCS_ENVIRONMENT, found=False, access_denied=True), "failed", "may not read"),
    (with_(F.LCS_ENVIRONMENT, found=False), "failed", "has no environment"),
    (with_(F.LCS_ENVIRONMENT, signed_in_upn="someone@contoso.onmicrosoft.com"), "failed", "signed in as someone"),
    (with_(F.LCS_ENVIRONMENT, environment_type="DevTestDev"), "failed", "only sandbox and production"),
    (with_(F.LCS_ENVIRONMENT, deployment_status="Failed"), "failed", "not deployed"),
])
def test_outcome(changes, outcome, words):
    expect(CHECK, changes, outcome, words)


def test_a_wrong_sign_in_says_how_to_sign_in_as_the_operator():
    result = check(CHECK, with_(F.LCS_ENVIRONMENT, signed_in_upn="someone@contoso.onmicrosoft.com"))
    assert "python -m cli login --account admin@contoso.onmicrosoft.com" in result.remediation
