"""The calendar pages' formatters remember their texts per locale, day, number or wall-clock
time, and give exactly what coordinator.i18n's filters give."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import gettext, refresh

from coordinator import i18n
from coordinator.calendar import display
from coordinator.calendar.display import PageText

MOMENTS = [
    (datetime(2026, 3, 10, 23, 30, tzinfo=UTC), "Asia/Tokyo"),
    (datetime(2026, 3, 11, 3, 0, tzinfo=UTC), "America/Los_Angeles"),
    # Either side of Paris's clock changes: the same UTC hour, another local hour.
    (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "Europe/Paris"),
    (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "Europe/Paris"),
    (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "Europe/Paris"),
    (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "Europe/Paris"),
    (datetime(2026, 7, 1, 12, 15, tzinfo=UTC), "Asia/Kathmandu"),
    (datetime(2026, 7, 1, 12, 15, tzinfo=UTC), "UTC"),
]


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar"])
def test_texts_are_the_filters_own(app, language):
    display._texts.clear()
    with app.test_request_context("/", headers={"Accept-Language": language}):
        text = PageText()
        assert text.locale == language
        for _ in range(2):  # formatted, then remembered
            for moment, zone in MOMENTS:
                assert text.clock(moment, zone) == i18n.local_time_only(moment, zone)
                assert text.zone_name(zone) == i18n.zone_name(zone)
            for day in (date(2026, 2, 28), date(2026, 3, 1), date(2028, 2, 29)):
                assert text.full_day(day) == i18n.localized_date(day, "full")
            for number in (1, 9, 31, 1234):
                assert text.number(number) == i18n.localized_number(number)


def test_a_locale_never_reads_another_locales_texts(app):
    display._texts.clear()
    moment, day = datetime(2026, 3, 10, 15, 5, tzinfo=UTC), date(2026, 3, 10)
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        english = PageText()
        english_texts = (english.clock(moment, "UTC"), english.full_day(day), english.number(7))
    with app.test_request_context("/", headers={"Accept-Language": "ar"}):
        refresh()
        arabic = PageText()
        arabic_texts = (arabic.clock(moment, "UTC"), arabic.full_day(day), arabic.number(7))
        assert arabic_texts == (
            i18n.local_time_only(moment, "UTC"),
            i18n.localized_date(day, "full"),
            i18n.localized_number(7),
        )
    assert arabic_texts != english_texts


def test_the_words_are_the_pages_translations(app):
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        text = PageText()
        for word, msgid in [
            (text.today, "Today"),
            (text.all_day, "All day"),
            (text.continues, "Continues"),
            (text.cancelled, "Cancelled"),
        ]:
            assert word == gettext(msgid) != msgid


def test_the_memory_is_bounded(app, monkeypatch):
    display._texts.clear()
    monkeypatch.setattr(display, "_MAX_TEXTS", 5)
    with app.test_request_context("/"):
        text = PageText()
        start = datetime(2026, 3, 10, tzinfo=UTC)
        for minutes in range(12):
            moment = start + timedelta(minutes=minutes)
            assert text.clock(moment, "UTC") == i18n.local_time_only(moment, "UTC")
        assert len(display._texts) <= 5


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_the_sentences_are_filled_as_the_templates_fill_them(app, language):
    from markupsafe import Markup

    from coordinator.activities.models import EventKind

    with app.test_request_context("/", headers={"Accept-Language": language}):
        text = PageText()
        day = date(2026, 3, 2)
        assert text.more(12) == Markup(gettext("+%(count)s more")) % {
            "count": i18n.localized_number(12)
        }
        assert text.all_events_on(day) == gettext(
            "All events on %(day)s", day=i18n.localized_date(day, "full")
        )
        # A partner's name arrives as Markup (kept); plain text is escaped.
        partner = Markup("<bdi>A &amp; B</bdi>")
        assert text.led_by(partner) == Markup(gettext("Led by %(partner)s")) % {"partner": partner}
        assert "<bdi>A &amp; B</bdi>" in text.led_by(partner)
        assert "&lt;b&gt;" in text.led_by("<b>")
        assert text.kind(EventKind.WORKSHOP) == str(EventKind.WORKSHOP.label)
        assert text.online == gettext("Online")


def _title(**fields):
    from coordinator.activities.cards import EventTitle
    from coordinator.activities.models import Status

    values = {
        "id": 7,
        "title": "<b>Forum</b>",
        "status": Status.APPROVED,
        "timezone": "Africa/Cairo",
        "start_dt": datetime(2027, 4, 14, 8, 0, tzinfo=UTC),
        "end_dt": datetime(2027, 4, 14, 10, 30, tzinfo=UTC),
        "is_all_day": False,
        "start_date": None,
        "end_date": None,
        "language": "en",
        "shown_in": "en",
        "translation": None,
    }
    return EventTitle(**{**values, **fields})


def test_an_entry_links_its_escaped_title_and_gives_its_time_in_its_own_zone(app):
    from coordinator.activities.models import Status
    from coordinator.calendar.services import CalendarEntry

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        text = PageText()
        event = _title()
        link = str(text.event_link(event))
        assert link == '<a href="/events/7" dir="auto">&lt;b&gt;Forum&lt;/b&gt;</a>'
        cancelled = str(text.event_link(_title(status=Status.CANCELLED)))
        assert 'class="cancelled-title"' in cancelled
        assert '<span class="badge text-bg-secondary">Cancelled</span>' in cancelled
        timed = str(text.event_time(CalendarEntry(event, date(2027, 4, 14))))
        assert '<time datetime="2027-04-14T08:00:00+00:00" data-zone="Africa/Cairo">' in timed
        assert '<abbr title="Africa/Cairo" class="zone">EET</abbr>' in timed
        assert f"({i18n.zone_name('Africa/Cairo')})" in timed
        continuing = str(text.event_time(CalendarEntry(event, date(2027, 4, 15), True)))
        assert "Continues" in continuing and "<time" not in continuing


def test_a_day_cell_marks_today_and_other_months_and_links_more_with_the_filters(app):
    from coordinator.calendar.services import CalendarEntry

    today = date(2027, 4, 14)
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        text = PageText()
        entries = [CalendarEntry(_title(shown_in="fr"), today)]
        cell = str(
            text.day_cell(
                today, entries, 4, month=4, today=today, filter_args={"partner": "medcities"}
            )
        )
        assert cell.startswith('<td class="today" aria-current="date">')
        assert "Aujourd’hui" in cell or "Aujourd'hui" in cell
        assert cell.count('<li class="calendar-event">') == 1
        assert 'href="/calendar/agenda?day=2027-04-14&amp;partner=medcities"' in cell
        assert "+4" in cell and f'aria-label="{text.all_events_on(today)}"' in cell
        empty = str(text.day_cell(date(2027, 5, 1), [], 0, month=4, today=today, filter_args={}))
        assert empty.startswith('<td class="other-month no-events">')
        assert "day-events" not in empty and "day-more" not in empty
