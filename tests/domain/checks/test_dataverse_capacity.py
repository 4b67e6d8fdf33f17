"""dataverse-capacity: free database capacity against the 1 GB floor, and the capacity status."""

import pytest

from domain import facts as F
from domain.checks.dataverse_capacity import CHECK
from tests.domain.checks.happy import check, expect, with_


@pytest.mark.parametrize("changes, outcome, words", [
    (with_(F.CAPACITY, database_used_mb=20000.0), "failed", "0.47 GB"),
    (with_(F.CAPACITY, database_used_mb=19456.0), "passed", "1.0 GB"),
    (with_(F.CAPACITY, status="Overage"), "failed", "reports the database capacity as Overage"),
    (with_(F.CAPACITY, status=None), "passed", "GB of Dataverse database capacity is free"),
    (with_(F.CAPACITY, database_used_mb=25000.0), "failed", "Only 0.00 GB"),
])
def test_outcome(changes, outcome, words):
    expect(CHECK, changes, outcome, words)


def test_evidence_shows_the_figures_rounded():
    result = check(CHECK, with_(F.CAPACITY, database_total_mb=2048.04, database_used_mb=1000.06))
    assert result.evidence == {"databaseTotalMb": 2048.0, "databaseUsedMb": 1000.1, "databaseFreeMb": 1048.0,
                               "status": "Available"}
