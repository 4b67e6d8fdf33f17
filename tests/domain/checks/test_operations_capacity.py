"""operations-capacity: free Operations database capacity (FinOpsDatabase) against the 1 GB floor."""

import pytest

from domain import facts as F
from domain.checks.operations_capacity import CHECK
from tests.domain.checks.happy import check, expect, with_


@pytest.mark.parametrize("changes, outcome, words", [
    (with_(F.CAPACITY, operations_total_mb=71680.0, operations_used_mb=10240.0), "passed", "60.0 GB"),
    (with_(F.CAPACITY, operations_total_mb=10240.0, operations_used_mb=9216.0), "passed", "1.0 GB"),
    (with_(F.CAPACITY, operations_total_mb=10240.0, operations_used_mb=9800.0), "failed", "Only 0.43 GB"),
    (with_(F.CAPACITY, operations_total_mb=None, operations_used_mb=None), "failed", "reports no Operations"),
])
def test_outcome(changes, outcome, words):
    expect(CHECK, changes, outcome, words)


def test_it_is_asked_again_before_setup_and_shows_its_figures():
    assert CHECK.revalidated and CHECK.modes == {"unified"}
    result = check(CHECK, with_(F.CAPACITY, operations_total_mb=2048.04, operations_used_mb=1000.06))
    assert result.evidence == {"operationsTotalMb": 2048.0, "operationsUsedMb": 1000.1, "operationsFreeMb": 1048.0}
