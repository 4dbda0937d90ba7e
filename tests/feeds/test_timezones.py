"""Every parser must put every event at zoneinfo's UTC instant, in the zones the network uses,
over two years: Casablanca's Ramadan change, Cairo, Beirut, Jerusalem and Istanbul included."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from coordinator.feeds.ical import CalendarMeta, FeedEvent, build_calendar
from coordinator.feeds.vtimezone import transitions, vtimezone_lines
from tests.feeds.validation import reading_of, unfolded, validate_feed

PARTNERS_JSON = Path(__file__).resolve().parents[2] / "coordinator" / "demo" / "partners.json"
ZONES = json.loads(PARTNERS_JSON.read_text())["event_timezones_to_exercise"]
FIRST, LAST = datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 12, 31, tzinfo=UTC)


def _unambiguous(local: datetime, zone: ZoneInfo) -> bool:
    """The wall time exists and names one instant."""
    early, late = local.replace(fold=0, tzinfo=zone), local.replace(fold=1, tzinfo=zone)
    if early.utcoffset() != late.utcoffset():
        return False
    return early.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local


def _events_for(tzid: str) -> list[FeedEvent]:
    zone = ZoneInfo(tzid)
    starts: list[datetime] = []
    day = FIRST.replace(tzinfo=None)
    while day < LAST.replace(tzinfo=None):
        for hour, minute in ((2, 30), (9, 0), (23, 30)):
            starts.append(day.replace(hour=hour, minute=minute))
        day += timedelta(days=5)
    # Right around every transition: the hours either side, where a wrong VTIMEZONE shows.
    for instant, _, _ in transitions(zone, FIRST, LAST):
        for delta in (-25, -3, -1, 1, 3, 25):
            starts.append((instant + timedelta(hours=delta)).astimezone(zone).replace(tzinfo=None))
    events = []
    for index, local in enumerate(sorted(set(starts))):
        local = local.replace(second=0, microsecond=0)
        end_local = local + timedelta(hours=2)
        if not (_unambiguous(local, zone) and _unambiguous(end_local, zone)):
            continue
        start = local.replace(tzinfo=zone).astimezone(UTC)
        end = end_local.replace(tzinfo=zone).astimezone(UTC)
        events.append(
            FeedEvent(
                uid=f"{tzid}-{index}@test",
                title=f"{tzid} {local:%Y-%m-%d %H:%M}",
                start_dt=start,
                end_dt=end,
                timezone=tzid,
                updated_dt=datetime(2026, 11, 1, tzinfo=UTC),
            )
        )
    return events


def test_the_zones_to_exercise_are_enough():
    assert len(ZONES) >= 12
    for required in (
        "Africa/Casablanca",
        "Africa/Cairo",
        "Asia/Beirut",
        "Asia/Jerusalem",
        "Europe/Istanbul",
    ):
        assert required in ZONES


def test_casablanca_ramadan_change_is_in_the_vtimezone():
    lines = vtimezone_lines("Africa/Casablanca", 2027, 2027)
    # Morocco goes to +00 for Ramadan 2027 (7 Feb) and back to +01 on 14 Mar.
    assert "DTSTART:20270207T030000" in lines
    assert "DTSTART:20270314T020000" in lines
    assert not any(line.startswith("RDATE") and "," in line for line in lines)


def test_vtimezone_covers_the_feed_range_with_one_observance_per_transition():
    lines = vtimezone_lines("Europe/Paris", 2027, 2028)
    onsets = [line for line in lines if line.startswith("DTSTART:")]
    # The observance in force on 1 January 2027, then two changes a year.
    assert onsets[0] == "DTSTART:20270101T010000"
    assert len(onsets) == 1 + 4


@pytest.fixture(scope="module")
def readings_by_zone():
    events = [event for tzid in ZONES for event in _events_for(tzid)]
    body = build_calendar(CalendarMeta(name="Zones"), events)
    return events, validate_feed(body), body


@pytest.mark.parametrize("parser", ["ical.js", "vobject", "ical", "icalendar", "libical"])
def test_every_parser_agrees_with_zoneinfo(readings_by_zone, parser):
    events, readings, _ = readings_by_zone
    assert len(events) > 12 * 400
    reading = reading_of(readings, parser)
    wrong = []
    for event in events:
        expected = (int(event.start_dt.timestamp()), int(event.end_dt.timestamp()))
        if reading.get(event.uid) != expected:
            wrong.append((event.uid, event.title, reading.get(event.uid), expected))
    assert not wrong, f"{len(wrong)} of {len(events)} wrong, e.g. {wrong[:5]}"


def test_one_vtimezone_per_zone_used(readings_by_zone):
    _, _, body = readings_by_zone
    tzids = [line for line in unfolded(body) if line.startswith("TZID:")]
    assert sorted(tzids) == sorted(f"TZID:{zone}" for zone in ZONES if zone != "UTC")


def test_second_pass_through_a_repeated_hour_is_written_in_utc():
    zone = ZoneInfo("Europe/Paris")
    # 02:30 on 31 Oct 2027 happens twice in Paris; the event is at the second one.
    second = datetime(2027, 10, 31, 2, 30, fold=1, tzinfo=zone).astimezone(UTC)
    event = FeedEvent(
        uid="fold@test",
        title="Fold",
        start_dt=second,
        end_dt=second + timedelta(hours=1),
        timezone="Europe/Paris",
        updated_dt=datetime(2026, 1, 1, tzinfo=UTC),
    )
    body = build_calendar(CalendarMeta(name="Fold"), [event])
    readings = validate_feed(body)
    for parser, reading in readings.items():
        assert reading["fold@test"][0] == int(second.timestamp()), parser
