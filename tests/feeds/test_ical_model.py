"""The feed writer is icalendar's component model: the bytes are what icalendar writes for the
component tree, the same data gives the same bytes (cached VEVENTs or not), and text that
icalendar's own escaping would change reads back unchanged in every parser."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import vobject

from coordinator.feeds.ical import (
    CalendarMeta,
    FeedEvent,
    build_calendar,
    calendar_component,
    event_component,
    forget_rendered_events,
)
from tests.feeds import validation
from tests.feeds.test_ambiguous_times import ambiguous_events
from tests.feeds.validation import check_with_vobject, read_with_ical_js, validate_feed

UPDATED = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)


def _events() -> list[FeedEvent]:
    start = datetime(2027, 5, 3, 7, tzinfo=UTC)
    plain = [
        FeedEvent(
            uid=f"{index}@test",
            title=f"Atelier {index}: eau, villes; μέρα / يوم",
            start_dt=start + timedelta(days=index * 40),
            end_dt=start + timedelta(days=index * 40, hours=3),
            timezone=("Africa/Casablanca", "Europe/Istanbul", "UTC", "Asia/Beirut")[index % 4],
            updated_dt=UPDATED,
            created_dt=UPDATED - timedelta(days=3),
            sequence=index,
            summary="Résumé, court; " * 3,
            description="Ordre du jour :\n\n- ouverture\n- tables rondes\n" * 4,
            location="Hôtel de ville, Marseille, FR",
            latitude=43.296482,
            longitude=5.36978,
            url=f"https://example.org/events/{index}",
            online_url="https://meet.example.org/x" if index % 2 else "",
            categories=("Eau", "Atelier"),
            is_cancelled=index == 3,
            cancel_reason="Salle fermée",
        )
        for index in range(12)
    ]
    return plain + ambiguous_events()


META = CalendarMeta(name="Réseau, agenda", description="Tous les événements; publics")


def test_the_feed_is_what_icalendar_writes_for_the_component_tree():
    events = _events()
    zones: dict[str, tuple[int, int]] = {}
    vevents = []
    for event in events:
        vevent, tzid = event_component(event, META.max_description)
        vevents.append(vevent)
        if tzid is not None:
            years = [moment.astimezone(UTC).year for moment in (event.start_dt, event.end_dt)]
            known = zones.get(tzid, (min(years), max(years)))
            zones[tzid] = (min(known[0], *years), max(known[1], *years))
    tree = calendar_component(META, zones)
    for vevent in vevents:
        tree.add_component(vevent)
    forget_rendered_events()
    assert build_calendar(META, events) == tree.to_ical(sorted=False)


def test_the_same_data_renders_the_same_bytes_cached_or_not():
    events = _events()
    forget_rendered_events()
    cold = build_calendar(META, events)
    warm = build_calendar(META, events)
    copies = build_calendar(META, [replace(event) for event in events])
    forget_rendered_events()
    assert cold == warm == copies == build_calendar(META, events)
    validate_feed(cold)


def test_an_edited_event_is_written_again_and_the_others_are_untouched():
    events = _events()
    before = icalendar.Calendar.from_ical(build_calendar(META, events)).walk("VEVENT")
    edited = replace(
        events[1],
        title="Renamed",
        sequence=events[1].sequence + 1,
        updated_dt=UPDATED + timedelta(hours=1),
    )
    body = build_calendar(META, [events[0], edited, *events[2:]])
    after = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert str(after[1]["SUMMARY"]) == "Renamed"
    assert int(after[1]["SEQUENCE"]) == int(before[1]["SEQUENCE"]) + 1
    assert after[1]["LAST-MODIFIED"].dt > before[1]["LAST-MODIFIED"].dt
    for old, new in zip(before[:1] + before[2:], after[:1] + after[2:], strict=True):
        assert old.to_ical() == new.to_ical()


BACKSLASHES = "C:\\Nouveau\\N dossier; a,b \\n \\\\ fin"


def test_backslashes_read_back_unchanged_in_every_parser():
    # icalendar's own TEXT escaping reads a literal backslash-N as a line break.
    event = FeedEvent(
        uid="slash@test",
        title=BACKSLASHES,
        start_dt=datetime(2027, 5, 3, 7, tzinfo=UTC),
        end_dt=datetime(2027, 5, 3, 9, tzinfo=UTC),
        timezone="Europe/Madrid",
        updated_dt=UPDATED,
        location=BACKSLASHES,
        categories=(BACKSLASHES, "Atelier"),
    )
    body = build_calendar(CalendarMeta(name=BACKSLASHES), [event])
    validate_feed(body)
    vevent = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(vevent["SUMMARY"]) == BACKSLASHES
    assert str(vevent["LOCATION"]) == BACKSLASHES
    assert [str(c) for c in vevent["CATEGORIES"].cats] == [BACKSLASHES, "Atelier"]
    read = check_with_vobject(body).vevent
    assert read.summary.value == BACKSLASHES
    assert read.location.value == BACKSLASHES
    assert validation.check_with_ical(body).events[0].summary == BACKSLASHES
    assert read_with_ical_js(body)["events"][0]["summary"] == BACKSLASHES


def test_control_characters_in_calendar_properties_never_break_the_build():
    meta = CalendarMeta(
        name="Agenda\r\nX-INJECTED:1",
        description="line\rbreak\x00 and \x1b escape",
        extra=(("X-APPLE-CALENDAR-COLOR", "#336699\r\nX-INJECTED:2"),),
    )
    body = build_calendar(meta, _events()[:2])
    validate_feed(body)
    calendar = icalendar.Calendar.from_ical(body)
    assert "X-INJECTED" not in calendar
    assert str(calendar["X-APPLE-CALENDAR-COLOR"]) == "#336699 X-INJECTED:2"
    assert str(calendar["DESCRIPTION"]) == "line\nbreak and  escape"
    assert calendar["X-WR-CALDESC"].to_ical() == calendar["DESCRIPTION"].to_ical()
    assert vobject.readOne(body.decode()).x_wr_calname.value == "Agenda X-INJECTED:1"


def test_libical_missing_skips_locally_and_fails_under_ci(monkeypatch):
    reason = "libical is not installed for /usr/bin/python3 (test)"
    monkeypatch.setattr(validation, "libical_available", lambda: (False, reason))
    body = build_calendar(META, _events()[:1])
    monkeypatch.delenv("CI", raising=False)
    readings = validate_feed(body, with_js=False)
    assert "libical" not in readings
    with pytest.raises(pytest.skip.Exception, match="libical is not installed"):
        validation.reading(readings, "libical")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but libical is not installed"):
        validate_feed(body, with_js=False)
