"""Local times at the ends of the calendar: a clear LocalTimeError, never an OverflowError.

Python's datetime ends at years 1 and 9999; a zone 14 hours ahead of UTC (Kiritimati) puts
the first day's midnight in year 0, and one 11 hours behind (Pago Pago) puts the last day's
evening in year 10000. coordinator accepts 1900 to 2199 (coordinator.dates) and refuses the rest.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from coordinator import create_app
from coordinator.dates import EARLIEST_DATE, LATEST_DATE
from coordinator.times import (
    LocalTimeError,
    all_day_span,
    local_midnight_utc,
    local_to_utc,
)

ZONES = [
    "Pacific/Kiritimati",  # UTC+14
    "Pacific/Pago_Pago",  # UTC-11
    "Asia/Beirut",
    "America/Santiago",  # midnight skipped by DST some years
    "America/St_Johns",  # half-hour offset
    "UTC",
]
OUT_OF_RANGE = [
    date(1, 1, 1),
    date(1, 1, 2),
    date(1899, 12, 31),
    date(2200, 1, 1),
    date(9999, 12, 30),
    date(9999, 12, 31),
]
REFUSAL = "Choose a date between 1900 and 2199."


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """Messages need an app context (Flask-Babel); these tests touch no database."""
    instance = tmp_path_factory.mktemp("times")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'unused.sqlite'}",
        }
    )
    with app.test_request_context():
        yield app


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("day", OUT_OF_RANGE, ids=str)
def test_a_time_outside_the_years_is_refused_clearly(app, zone, day):
    for clock in (time(0, 0), time(12, 0), time(23, 59)):
        with pytest.raises(LocalTimeError, match=REFUSAL):
            local_to_utc(day, clock, zone)


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("day", OUT_OF_RANGE, ids=str)
def test_a_day_outside_the_years_is_refused_clearly(app, zone, day):
    with pytest.raises(LocalTimeError, match=REFUSAL):
        local_midnight_utc(day, zone)
    with pytest.raises(LocalTimeError, match=REFUSAL):
        all_day_span(day, day, zone)
    with pytest.raises(LocalTimeError, match=REFUSAL):
        all_day_span(EARLIEST_DATE, day, zone)


@pytest.mark.parametrize("zone", ZONES)
def test_the_first_and_last_supported_days_work_in_every_zone(app, zone):
    start, end = all_day_span(EARLIEST_DATE, LATEST_DATE, zone)
    assert start.tzinfo is UTC and end.tzinfo is UTC
    assert start.year in (1899, 1900) and end.year in (2199, 2200)
    assert local_to_utc(EARLIEST_DATE, time(0, 0), zone) == start
    assert local_to_utc(LATEST_DATE, time(23, 59), zone) < end


def test_the_extreme_zones_read_as_expected_at_the_edges(app):
    # Kiritimati is UTC+14 in 2199, Pago Pago UTC-11 in 1900 (no DST in either).
    assert local_midnight_utc(LATEST_DATE, "Pacific/Kiritimati") == datetime(
        2199, 12, 30, 10, 0, tzinfo=UTC
    )
    assert local_to_utc(EARLIEST_DATE, time(0, 0), "Pacific/Pago_Pago").date() == EARLIEST_DATE
