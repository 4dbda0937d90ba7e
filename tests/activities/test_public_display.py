"""How events read: their time in their own zone, countries, languages and safe links."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from coordinator.activities.display import (
    country_name,
    event_iso_start,
    event_when,
    language_names,
    web_url,
)
from coordinator.activities.models import Event


def _timed(zone: str, start: datetime, end: datetime) -> Event:
    return Event(timezone=zone, start_dt=start, end_dt=end, is_all_day=False)


def test_timed_event_in_its_zone():
    event = _timed("Africa/Cairo", datetime(2027, 4, 14, 8, 0, tzinfo=UTC),
                   datetime(2027, 4, 14, 10, 30, tzinfo=UTC))
    assert event_when(event) == "Wed 14 Apr 2027, 10:00–12:30 (Africa/Cairo, EET)"
    assert event_iso_start(event) == "2027-04-14T08:00:00+00:00"


def test_same_instant_reads_differently_in_each_zone():
    start, end = datetime(2027, 1, 5, 23, 0, tzinfo=UTC), datetime(2027, 1, 6, 1, 0, tzinfo=UTC)
    assert event_when(_timed("America/New_York", start, end)) == (
        "Tue 05 Jan 2027, 18:00–20:00 (America/New_York, EST)")
    assert event_when(_timed("Asia/Amman", start, end)) == (
        "Wed 06 Jan 2027, 02:00–04:00 (Asia/Amman, +03)")


def test_event_ending_at_midnight_reads_as_one_day():
    event = _timed("Europe/Rome", datetime(2027, 2, 1, 19, 0, tzinfo=UTC),
                   datetime(2027, 2, 1, 23, 0, tzinfo=UTC))
    assert event_when(event) == "Mon 01 Feb 2027, 20:00–00:00 (Europe/Rome, CET)"


def test_clock_change_inside_an_event_shows_both_names():
    # Europe/Paris moves to summer time on 28 March 2027 at 01:00 UTC.
    event = _timed("Europe/Paris", datetime(2027, 3, 27, 9, 0, tzinfo=UTC),
                   datetime(2027, 3, 28, 9, 0, tzinfo=UTC))
    assert event_when(event) == (
        "Sat 27 Mar 2027, 10:00 – Sun 28 Mar 2027, 11:00 (Europe/Paris, CET/CEST)")


def test_all_day_events_read_as_dates():
    one = Event(timezone="Africa/Tunis", is_all_day=True, start_date=date(2027, 5, 18),
                end_date=date(2027, 5, 18), start_dt=datetime(2027, 5, 17, 23, tzinfo=UTC),
                end_dt=datetime(2027, 5, 18, 23, tzinfo=UTC))
    assert event_when(one) == "Tue 18 May 2027 (all day)"
    assert event_iso_start(one) == "2027-05-18"


@pytest.mark.parametrize("code, name", [("TN", "Tunisia"), ("eg", "Egypt"), ("", ""),
                                        ("ZZ", "Unknown Region"), ("QQ", "QQ")])
def test_country_names(app, code, name):
    assert country_name(code) == name


def test_language_names():
    assert language_names("fr, ar,en") == ["French", "Arabic", "English"]
    assert language_names("") == []
    assert language_names("xx-bogus") == ["xx-bogus"]


@pytest.mark.parametrize("value, expected", [
    ("https://example.org/x", "https://example.org/x"),
    ("http://example.org", "http://example.org"),
    ("  HTTPS://example.org ", "HTTPS://example.org"),
    ("javascript:alert(1)", ""), ("data:text/html,x", ""), ("//evil.example", ""),
    ("https://a b", ""), ("", ""), (None, ""),
])
def test_only_web_urls_become_links(value, expected):
    assert web_url(value) == expected
