"""Hostile text in any field never breaks a feed, and real text round-trips unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from coordinator.feeds.ical import CalendarMeta, FeedEvent, build_calendar, clean_text, fold
from tests import factories
from tests.feeds.validation import check_octets, validate_feed

HOSTILE = [
    "line one\nline two\r\nline three\rfour",
    "commas, semicolons; backslashes \\ and \\n literal",
    "controls \x01\x02\x07\x08\x0b\x0c\x1b\x7f\x85\x9f and NUL \x00 here",
    "مدينة البحر الأبيض المتوسط — اجتماع",
    "Συνάντηση των πόλεων της Μεσογείου",
    "İstanbul'da çalıştay: şehirler, ığdır",
    "emoji 🌍🏙️ and combining é ",
    "BEGIN:VEVENT\r\nUID:injected\r\nEND:VEVENT",
    "\ufeffBOM inside \u2028 separators \u2029",
    'quotes " and <script>alert(1)</script> and :colons:',
    "x" * 10_000,
    "ة" * 10_000,
]


def _event(text: str, index: int = 0) -> FeedEvent:
    start = datetime(2027, 3, 1, 9, tzinfo=UTC) + timedelta(days=index)
    return FeedEvent(
        uid=f"{index}@test",
        title=text,
        start_dt=start,
        end_dt=start + timedelta(hours=2),
        timezone="Africa/Casablanca",
        updated_dt=datetime(2026, 1, 1, tzinfo=UTC),
        summary=text,
        description=text,
        location=text,
        url="https://example.org/e/" + text,
        online_url="https://meet.example/\n" + text,
        registration_url=text,
        categories=(text, text[:50], "Workshop"),
        is_cancelled=index % 2 == 1,
        cancel_reason=text,
    )


def test_builder_survives_hostile_text_in_every_field():
    body = build_calendar(
        CalendarMeta(name=HOSTILE[7], description=HOSTILE[2]),
        [_event(text, index) for index, text in enumerate(HOSTILE)],
    )
    validate_feed(body)
    calendar = icalendar.Calendar.from_ical(body)
    events = calendar.walk("VEVENT")
    assert len(events) == len(HOSTILE)
    assert "injected" not in {str(e["UID"]) for e in events}
    for text, event in zip(HOSTILE, events, strict=True):
        expected = clean_text(text, single_line=True)
        if event.get("STATUS") == "CANCELLED":
            expected = "Cancelled: " + expected
        assert str(event["SUMMARY"]) == expected.strip()


@pytest.mark.parametrize("text", HOSTILE[3:7])
def test_arabic_greek_and_turkish_round_trip_unchanged(text):
    body = build_calendar(CalendarMeta(name=text), [_event(text)])
    event = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == text.strip()
    assert str(event["LOCATION"]) == text.strip()
    assert text.strip() in str(event["DESCRIPTION"])


def test_folding_never_splits_a_character():
    for text in ("é" * 100, "🌍" * 60, "a" + "ة" * 80, "ab" + "€" * 90):
        for prefix in range(4):
            data = fold("SUMMARY:" + "x" * prefix + text)
            check_octets(data)
            assert data.replace(b"\r\n ", b"")[:-2].decode() == "SUMMARY:" + "x" * prefix + text


def test_hostile_text_stored_in_every_field_never_breaks_the_route(client, app):
    from coordinator.extensions import db

    # Storable text (PostgreSQL refuses NUL, and titles are 200 characters at most).
    storable = [text.replace("\x00", "") for text in HOSTILE]
    theme = factories.ThemeFactory(name=storable[1][:120])
    for index, text in enumerate(storable):
        factories.EventFactory(
            title=text[:200],
            summary=text[:500],
            description=text,
            venue=text[:200],
            city=text[:120],
            online_url=("https://x.example/" + text)[:500],
            registration_url=text[:500],
            cancel_reason=text,
            themes=[theme],
            status="cancelled" if index % 3 == 0 else "approved",
            cancelled_dt=datetime.now(UTC) if index % 3 == 0 else None,
        )
    db.session.commit()
    response = client.get("/calendar.ics")
    assert response.status_code == 200
    validate_feed(response.data)
    assert len(icalendar.Calendar.from_ical(response.data).walk("VEVENT")) == len(HOSTILE)
    event = factories.EventFactory(title=storable[9][:200])
    db.session.commit()
    assert client.get(f"/events/{event.id}.ics").status_code == 200
    assert client.get("/events.atom").status_code == 200


def test_fit_calendar_drops_descriptions_then_the_farthest_events():
    from dataclasses import replace

    from coordinator.feeds.services import fit_calendar

    events = [
        replace(_event("Walk", index), description="Długi opis; " * 50) for index in range(300)
    ]
    meta = CalendarMeta(name="Fit")
    full = build_calendar(meta, events)
    body = fit_calendar(meta, events, len(full) // 3)
    assert len(body) <= len(full) // 3
    validate_feed(body, with_js=False)
    uids = [str(e["UID"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")]
    assert uids == [f"{index}@test" for index in range(len(uids))]  # the earliest ones
    assert 0 < len(uids) < 300
    assert "Długi" not in str(icalendar.Calendar.from_ical(body).walk("VEVENT")[0]["DESCRIPTION"])
