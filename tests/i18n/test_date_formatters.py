"""Every page writes dates with the same formatters: a day "Wed, Jan 13, 2027", a time "8:30 AM"
(no leading zero; 24-hour where the language uses it), a moment "Wed, Jan 13, 2027, 8:30 AM",
and an event's span the same on public, manage and staff pages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from babel.dates import format_skeleton
from flask_babel import force_locale

from coordinator.activities.models import Status
from coordinator.extensions import db
from coordinator.i18n import (
    format_clock,
    format_day,
    format_day_span,
    format_in_skeleton,
    format_moment,
    format_span,
    page_locale,
)
from tests.factories import EventFactory

START = datetime(2027, 1, 13, 6, 30, tzinfo=UTC)  # 8:30 in Cairo (EET, UTC+2)
END = datetime(2027, 1, 13, 11, 0, tzinfo=UTC)


def test_the_formatters_in_english(app):
    with app.test_request_context(), force_locale("en"):
        assert format_day(date(2027, 1, 13)) == "Wed, Jan 13, 2027"
        assert format_day(datetime(2027, 1, 13, 23, 30, tzinfo=UTC), "Asia/Beirut") == (
            "Thu, Jan 14, 2027"
        )
        assert format_clock(START, "Africa/Cairo").replace("\u202f", " ") == "8:30 AM"
        assert format_moment(START, "UTC").replace("\u202f", " ") == "Wed, Jan 13, 2027, 6:30 AM"
        assert format_span(START, END, "Africa/Cairo").replace("\u202f", " ") == (
            "Wed, Jan 13, 2027, 8:30 AM–1:00 PM (Cairo Time, EET)"
        )
        assert format_day_span(date(2027, 1, 13), date(2027, 1, 15)) == (
            "Wed, Jan 13, 2027 – Fri, Jan 15, 2027"
        )


def test_the_formatters_in_french_use_the_24_hour_clock(app):
    with app.test_request_context(), force_locale("fr"):
        assert format_clock(START, "Africa/Cairo") == "08:30"
        assert format_moment(START, "UTC").startswith("mer. 13 janv. 2027")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u202f", " ")


def test_public_and_manage_pages_write_the_event_time_alike(client, login_as, staff):
    event = EventFactory(title="Cairo forum", timezone="Africa/Cairo", start_dt=START, end_dt=END)
    db.session.commit()
    expected = "Wed, Jan 13, 2027, 8:30 AM–1:00 PM (Cairo Time, EET)"
    assert expected in _text(client.get(f"/events/{event.id}").get_data(as_text=True))
    login_as(staff)
    manage = _text(client.get(f"/events/{event.id}/manage").get_data(as_text=True))
    assert expected in manage
    assert "Wed 13 Jan 2027" not in manage


def test_the_dashboard_writes_moments_like_the_other_pages(client, login_as, staff):
    EventFactory(title="Waiting", status=Status.SUBMITTED, submitted_dt=START)
    db.session.commit()
    login_as(staff)
    page = _text(client.get("/staff/").get_data(as_text=True))
    assert "Wed, Jan 13, 2027, 6:30 AM UTC" in page
    assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{2}\b", page)  # no "1/13/27, 6:30 AM"
    assert not re.search(r"\b0\d:\d\d [AP]M", page)  # no leading zero


def test_days_and_months_read_as_babels_skeletons_in_every_language(app):
    """format_in_skeleton looks the locale's pattern up once: the text stays Babel's own."""
    days = [date(2026, 12, 28) + timedelta(days=n * 17) for n in range(30)]
    for language in app.config["LANGUAGES"]:
        with app.test_request_context(), force_locale(language):
            locale = page_locale()
            for skeleton in ("yMMMEd", "yMMMM"):
                for day in days:
                    expected = format_skeleton(skeleton, day, locale=locale)
                    assert format_in_skeleton(skeleton, day) == expected, (language, day)


def test_kept_days_and_clocks_read_as_babel_writes_them_in_every_language(app):
    """format_day and format_clock keep each text per locale and value (a page of cards writes
    the same few again and again): what they keep is what Babel writes for that wall clock and
    day, in every language, zone and time of the year (clock changes included)."""
    from babel.dates import format_time

    from coordinator.i18n import zone_info

    zones = ["Africa/Cairo", "Europe/Paris", "America/Sao_Paulo", "Asia/Kolkata", "UTC"]
    moments = [START + timedelta(days=41 * n, minutes=17 * n) for n in range(24)]
    for language in ("en", "fr", "es", "ar"):
        with app.test_request_context(), force_locale(language):
            locale = page_locale()
            for zone in zones:
                for moment in moments:
                    wall = moment.astimezone(zone_info(zone))
                    expected = format_time(moment, "short", tzinfo=zone_info(zone), locale=locale)
                    assert format_clock(moment, zone) == expected
                    assert format_clock(moment, zone) == expected  # kept, the same
                    assert format_day(wall.date()) == format_skeleton(
                        "yMMMEd", wall.date(), locale=locale
                    )
