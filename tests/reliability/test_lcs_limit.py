"""LCS allows 6 metadata calls per project per minute, counted where the calls arrive. The client's
limiter must keep that count however long a call takes to leave (the first one fetches a token and
opens a connection). Time is a fake clock here: bench/api_budget.py shows the same in wall time."""

from __future__ import annotations

from services.lcs import LcsClient, ProjectRateLimiter

PROJECT = 1234567
LIMIT = 6
FIRST_CALL_SETUP_SECONDS = 0.2  # token and TLS connection before the first call goes out


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class RecordingHttp:
    """Stands for ServiceHttp: records when each call reaches LCS."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.arrivals: list[float] = []

    def get_json(self, operation: str, url: str, params=None, **_):
        if not self.arrivals:
            self.clock.sleep(FIRST_CALL_SETUP_SECONDS)
        self.arrivals.append(self.clock.now)
        return {"IsSuccess": True, "Data": [], "ErrorMessage": None, "OperationActivityId": None}


def test_no_more_than_six_metadata_calls_reach_lcs_in_any_minute():
    clock = FakeClock()
    http = RecordingHttp(clock)
    lcs = LcsClient(http, "https://lcs.example", "admin@contoso.onmicrosoft.com",
                    ProjectRateLimiter(LIMIT, sleep=clock.sleep, clock=clock), account=lambda upn: None)
    for _ in range(2 * LIMIT + 1):
        lcs.get_environment(PROJECT, "a98e06c0-b563-411f-9431-23b5ed5c93ed")
    busiest = max(sum(1 for t in http.arrivals if start <= t < start + 60) for start in http.arrivals)
    assert busiest <= LIMIT, http.arrivals
