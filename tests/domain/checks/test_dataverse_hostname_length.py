"""dataverse-hostname-length: at most 19 characters, from domainName or else the instance URL."""

import pytest

from domain import facts as F
from domain.checks.dataverse_hostname_length import CHECK
from tests.domain.checks.happy import check, expect, with_


@pytest.mark.parametrize("changes, outcome, words", [
    (with_(F.TARGET, domain_name="contoso-uat"), "passed", "'contoso-uat' has 11 characters"),
    (with_(F.TARGET, domain_name="a" * 19), "passed", "has 19 characters"),
    (with_(F.TARGET, domain_name="contoso-finance-uat-eastus"), "failed", "has 26 characters; the install fails"),
    (with_(F.TARGET, domain_name=None, instance_url="https://contoso-finance-uat-eastus.crm.dynamics.com/"),
     "failed", "'contoso-finance-uat-eastus'"),
    (with_(F.TARGET, domain_name=None, instance_url=None), "failed", "reports no Dataverse URL"),
])
def test_outcome(changes, outcome, words):
    expect(CHECK, changes, outcome, words)


def test_the_remedy_says_where_to_edit_the_url():
    result = check(CHECK, with_(F.TARGET, domain_name="x" * 20))
    assert result.evidence == {"hostname": "x" * 20, "length": 20, "maximum": 19}
    assert "Edit" in result.remediation and "19" in result.remediation
