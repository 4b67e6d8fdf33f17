"""Table-driven tests of the pure rules: geography, name matching, durations, polling (licenses:
test_licenses.py)."""

from datetime import datetime, timedelta

import pytest

from domain.durations import format_duration, parse_duration
from domain.geography import geography_of_location, geography_of_region
from domain.names import names_match
from domain.phases import event_type
from domain.polling import DEFAULT_SCHEDULE, PollStage, next_poll_at, schedule_from_json


@pytest.mark.parametrize("region, code", [
    ("East US", "unitedstates"), ("west us 2", "unitedstates"), ("WestUS", "unitedstates"),
    ("North Europe", "europe"), ("UK South", "unitedkingdom"), ("Brazil South", "southamerica"),
    ("Switzerland West", "switzerland"), ("UAE North", "unitedarabemirates"), ("Sweden Central", "sweden"),
    ("swedencentral", "sweden"), ("Mars Central", None), ("", None),
])
def test_region_to_geography(region, code):
    geo = geography_of_region(region)
    assert (geo.code if geo else None) == code


@pytest.mark.parametrize("location, code", [
    ("unitedstates", "unitedstates"), ("UnitedStates", "unitedstates"),
    ("unitedstatesfirstrelease", "unitedstates"), ("europe", "europe"), ("atlantis", None),
])
def test_bap_location_to_geography(location, code):
    geo = geography_of_location(location)
    assert (geo.code if geo else None) == code


@pytest.mark.parametrize("typed, expected, match", [
    ("Adele Vance", "Adele Vance", True),
    ("  adele   VANCE ", "Adele Vance", True),
    ("Ame\u0301lie Poulain", "Am\u00e9lie Poulain", True),  # decomposed vs composed é
    ("\uff21dele Vance", "Adele Vance", True),  # full-width A
    ("Strasse", "STRASSE", True),
    ("Adele Vanc", "Adele Vance", False),
    ("AdeleVance", "Adele Vance", False),
    ("", "", False),  # an empty display name can never be confirmed
])
def test_name_matching(typed, expected, match):
    assert names_match(typed, expected) is match


@pytest.mark.parametrize("text, delta", [
    ("P3D", timedelta(days=3)), ("PT1H30M", timedelta(hours=1, minutes=30)), ("P1W", timedelta(weeks=1)),
    ("P1DT2H", timedelta(days=1, hours=2)), ("PT0.5S", timedelta(seconds=0.5)),
])
def test_parse_duration(text, delta):
    assert parse_duration(text) == delta


@pytest.mark.parametrize("text", ["", "P", "PT", "3D", "P1Y", "P1M", "PT1H ", "P1DT", "P901764223711317W"])
def test_parse_duration_refuses(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_format_duration_round_trips():
    for text in ("P3D", "PT1H30M", "P1DT2H3M4S", "PT15M"):
        assert format_duration(parse_duration(text)) == text


def test_event_types_are_kebab_case():
    assert event_type("AwaitingConfirmation") == "link.awaiting-confirmation"
    assert event_type("Linked") == "link.linked"


START = datetime(2026, 1, 1, 12, 0, 0)
DEADLINE = START + timedelta(hours=4)


def _polls_until(minutes: float, schedule=DEFAULT_SCHEDULE) -> list[float]:
    now, seen = START, []
    while now < START + timedelta(minutes=minutes):
        now = next_poll_at(START, now, DEADLINE, schedule)
        seen.append((now - START).total_seconds() / 60)
    return seen


def test_default_schedule_is_dense_inside_the_documented_window():
    polls = _polls_until(90)
    gaps_in_window = [b - a for a, b in zip(polls, polls[1:]) if a >= 60]
    assert max(gaps_in_window) <= 2
    assert polls[:2] == [2.5, 5.0]  # early looks catch early failures
    assert len(_polls_until(75)) <= 30


def test_next_poll_honours_the_service_hint_and_the_deadline():
    now = START + timedelta(minutes=60)
    assert next_poll_at(START, now, DEADLINE) == START + timedelta(minutes=61)
    assert next_poll_at(START, now, DEADLINE, retry_after_seconds=300) == now + timedelta(seconds=300)
    assert next_poll_at(START, now, START + timedelta(minutes=60, seconds=30)) == START + timedelta(minutes=60, seconds=30)


def test_schedule_from_json_validates():
    assert schedule_from_json([{"untilMinutes": None, "everyMinutes": 1}]) == (PollStage(None, 1.0),)
    with pytest.raises(ValueError):
        schedule_from_json([{"untilMinutes": 10, "everyMinutes": 1}])
    with pytest.raises(ValueError):
        schedule_from_json([{"untilMinutes": None, "everyMinutes": 0}])
