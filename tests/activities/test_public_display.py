"""How events read: their time in their own zone, countries, languages and safe links."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale

from coordinator.activities.display import (
    country_name,
    date_range,
    event_iso_start,
    event_when,
    language_names,
    list_text,
    web_url,
)
from coordinator.activities.models import Event

# CLDR puts a narrow no-break space between the time and AM/PM.
NNBSP = "\u202f"


def _timed(zone: str, start: datetime, end: datetime) -> Event:
    return Event(timezone=zone, start_dt=start, end_dt=end, is_all_day=False)


def test_timed_event_in_its_zone(app):
    event = _timed(
        "Africa/Cairo",
        datetime(2027, 4, 14, 8, 0, tzinfo=UTC),
        datetime(2027, 4, 14, 10, 30, tzinfo=UTC),
    )
    assert event_when(event) == (
        f"Wed, Apr 14, 2027, 10:00{NNBSP}AM–12:30{NNBSP}PM (Cairo Time, EET)"
    )
    assert event_iso_start(event) == "2027-04-14T08:00:00+00:00"


def test_same_instant_reads_differently_in_each_zone(app):
    start, end = datetime(2027, 1, 5, 23, 0, tzinfo=UTC), datetime(2027, 1, 6, 1, 0, tzinfo=UTC)
    assert event_when(_timed("America/New_York", start, end)) == (
        f"Tue, Jan 5, 2027, 6:00{NNBSP}PM–8:00{NNBSP}PM (New York Time, EST)"
    )
    assert event_when(_timed("Asia/Amman", start, end)) == (
        f"Wed, Jan 6, 2027, 2:00{NNBSP}AM–4:00{NNBSP}AM (Amman Time, +03)"
    )


def test_event_ending_at_midnight_reads_as_one_day(app):
    event = _timed(
        "Europe/Rome",
        datetime(2027, 2, 1, 19, 0, tzinfo=UTC),
        datetime(2027, 2, 1, 23, 0, tzinfo=UTC),
    )
    assert event_when(event) == (f"Mon, Feb 1, 2027, 8:00{NNBSP}PM–12:00{NNBSP}AM (Rome Time, CET)")


def test_clock_change_inside_an_event_shows_both_names(app):
    # Europe/Paris moves to summer time on 28 March 2027 at 01:00 UTC.
    event = _timed(
        "Europe/Paris",
        datetime(2027, 3, 27, 9, 0, tzinfo=UTC),
        datetime(2027, 3, 28, 9, 0, tzinfo=UTC),
    )
    assert event_when(event) == (
        f"Sat, Mar 27, 2027, 10:00{NNBSP}AM – Sun, Mar 28, 2027, 11:00{NNBSP}AM"
        " (Paris Time, CET/CEST)"
    )


def _all_day(first: date, last: date) -> Event:
    return Event(
        timezone="Africa/Tunis",
        is_all_day=True,
        start_date=first,
        end_date=last,
        start_dt=datetime.combine(first, datetime.min.time(), UTC),
        end_dt=datetime.combine(last, datetime.min.time(), UTC),
    )


def test_all_day_events_read_as_dates(app):
    one = _all_day(date(2027, 5, 18), date(2027, 5, 18))
    assert event_when(one) == "Tue, May 18, 2027 (all day)"
    assert event_iso_start(one) == "2027-05-18"
    several = _all_day(date(2027, 6, 7), date(2027, 6, 9))
    assert event_when(several) == "Mon, Jun 7, 2027 – Wed, Jun 9, 2027 (all day)"


# The dates and times come from the locale's own data (CLDR); the wording around them comes
# from the catalogs, so these checks hold whether or not a pattern is translated yet.
@pytest.mark.parametrize(
    "language, day, start, end, zone",
    [
        ("fr", "mer. 14 avr. 2027", "10:00", "12:30", "heure : Le Caire"),
        ("es", "mié, 14 abr 2027", "10:00", "12:30", "hora de El Cairo"),
        ("ar", "الأربعاء، 14 أبريل 2027", "10:00 ص", "12:30 م", "توقيت القاهرة"),
    ],
)
def test_timed_event_in_the_page_language(app, language, day, start, end, zone):
    event = _timed(
        "Africa/Cairo",
        datetime(2027, 4, 14, 8, 0, tzinfo=UTC),
        datetime(2027, 4, 14, 10, 30, tzinfo=UTC),
    )
    with force_locale(language):
        when = event_when(event)
    assert day in when and start in when and end in when
    # The zone is named after its city in the page's language; its abbreviation stays as the
    # zone database writes it, to match other calendars.
    assert zone in when and "EET" in when and "Africa/Cairo" not in when
    assert "Wed" not in when and "AM" not in when


def test_all_day_event_in_the_page_language(app):
    with force_locale("fr"):
        assert "lun. 7 juin 2027" in event_when(_all_day(date(2027, 6, 7), date(2027, 6, 9)))
    with force_locale("ar"):
        one_day = _all_day(date(2027, 5, 18), date(2027, 5, 18))
        assert "الثلاثاء، 18 مايو 2027" in event_when(one_day)


def test_date_ranges_and_lists_follow_the_page_language(app):
    first, last = date(2027, 1, 1), date(2027, 12, 31)
    thin = "\u2009"  # CLDR's English and French spans use thin spaces around the dash
    assert date_range(first, last) == f"Jan 1{thin}–{thin}Dec 31, 2027"
    assert list_text(["A", "B", "C"]) == "A, B, and C"
    with force_locale("fr"):
        assert date_range(first, last) == f"1 janv.{thin}–{thin}31 déc. 2027"
        assert list_text(["A", "B", "C"]) == "A, B et C"
    with force_locale("ar"):
        assert date_range(first, last) == "1 يناير – 31 ديسمبر 2027"
        assert list_text(["A", "B"]) == "A وB"
    assert list_text([]) == ""


@pytest.mark.parametrize(
    "code, name",
    [("TN", "Tunisia"), ("eg", "Egypt"), ("", ""), ("ZZ", "Unknown Region"), ("QQ", "QQ")],
)
def test_country_names(app, code, name):
    assert country_name(code) == name


def test_language_names(app):
    assert language_names("fr, ar,en") == ["French", "Arabic", "English"]
    assert language_names("") == []
    assert language_names("xx-bogus") == ["xx-bogus"]


def test_language_names_in_the_page_language(app):
    with force_locale("fr"):
        assert language_names("fr,ar,en") == ["français", "arabe", "anglais"]
    with force_locale("ar"):
        assert language_names("en,es") == ["الإنجليزية", "الإسبانية"]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("https://example.org/x", "https://example.org/x"),
        ("http://example.org", "http://example.org"),
        ("  HTTPS://example.org ", "HTTPS://example.org"),
        ("javascript:alert(1)", ""),
        ("data:text/html,x", ""),
        ("//evil.example", ""),
        ("https://a b", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_only_web_urls_become_links(value, expected):
    assert web_url(value) == expected
