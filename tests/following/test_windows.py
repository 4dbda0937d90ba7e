"""The days and weeks a digest covers: local midnight to local midnight in the recipient's zone,
right across DST changes (23- and 25-hour days) and month ends."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from coordinator.following.digests import last_completed
from coordinator.following.models import Period
from tests.following.helpers import utc


@pytest.mark.parametrize(
    ("now", "day", "start", "hours"),
    [
        # Spring forward in Paris, Sunday 28 March 2027: a 23-hour day.
        (utc(2027, 3, 28, 22, 30), date(2027, 3, 28), utc(2027, 3, 27, 23), 23),
        # Fall back, Sunday 31 October 2027: a 25-hour day.
        (utc(2027, 10, 31, 23, 30), date(2027, 10, 31), utc(2027, 10, 30, 22), 25),
        # A month end (February, not a leap year), in winter time.
        (utc(2027, 2, 28, 23, 10), date(2027, 2, 28), utc(2027, 2, 27, 23), 24),
        # Just before local midnight the day before is still the last one completed.
        (utc(2027, 3, 28, 21, 59), date(2027, 3, 27), utc(2027, 3, 26, 23), 24),
    ],
)
def test_a_daily_window_is_one_local_day(app, now, day, start, hours):
    window = last_completed(Period.DAILY, now, "Europe/Paris")
    assert (window.first_day, window.last_day) == (day, day)
    assert window.start == start
    assert window.end - window.start == timedelta(hours=hours)


@pytest.mark.parametrize(
    ("now", "monday", "start", "hours"),
    [
        # The week of the spring change, asked on the next Monday morning.
        (utc(2027, 3, 29, 6), date(2027, 3, 22), utc(2027, 3, 21, 23), 7 * 24 - 1),
        # The week holding both the autumn change and a month end (Sun 31 Oct, Mon 1 Nov).
        (utc(2027, 11, 3, 12), date(2027, 10, 25), utc(2027, 10, 24, 22), 7 * 24 + 1),
        # A week across a year end.
        (utc(2027, 1, 4, 9), date(2026, 12, 28), utc(2026, 12, 27, 23), 7 * 24),
    ],
)
def test_a_weekly_window_is_monday_to_monday_local(app, now, monday, start, hours):
    window = last_completed(Period.WEEKLY, now, "Europe/Paris")
    assert window.first_day == monday
    assert window.last_day == monday + timedelta(days=6)
    assert window.start == start
    assert window.end - window.start == timedelta(hours=hours)


def test_the_same_instant_falls_in_each_zones_own_day(app):
    now = utc(2027, 3, 29, 2)  # 04:00 in Paris, still the 28th in New York (22:00)
    paris = last_completed(Period.DAILY, now, "Europe/Paris")
    new_york = last_completed(Period.DAILY, now, "America/New_York")
    assert paris.first_day == date(2027, 3, 28)
    assert new_york.first_day == date(2027, 3, 27)
    assert new_york.start == utc(2027, 3, 27, 4)  # EDT since 14 March
