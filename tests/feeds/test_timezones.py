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
from tests.feeds.validation import PARSERS, reading, unfolded, validate_feed

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


@pytest.mark.parametrize("parser", PARSERS)
def test_every_parser_agrees_with_zoneinfo(readings_by_zone, parser):
    events, readings, _ = readings_by_zone
    assert len(events) > 12 * 400
    instants = reading(readings, parser)
    wrong = []
    for event in events:
        expected = (int(event.start_dt.timestamp()), int(event.end_dt.timestamp()))
        if instants.get(event.uid) != expected:
            wrong.append((event.uid, event.title, instants.get(event.uid), expected))
    assert not wrong, f"{len(wrong)} of {len(events)} wrong, e.g. {wrong[:5]}"


def test_one_vtimezone_per_zone_used(readings_by_zone):
    _, _, body = readings_by_zone
    tzids = [line for line in unfolded(body) if line.startswith("TZID:")]
    assert sorted(tzids) == sorted(f"TZID:{zone}" for zone in ZONES if zone != "UTC")


@pytest.mark.parametrize("parser", PARSERS)
def test_second_pass_through_a_repeated_hour_is_written_in_utc(parser):
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
    assert reading(validate_feed(body), parser)["fold@test"][0] == int(second.timestamp())


# The changes of 2027, written out by hand from the zones' published rules (not computed from
# zoneinfo): (DTSTART in the local time before the change, TZOFFSETFROM, TZOFFSETTO).
CHANGES_2027 = {
    # Summer time from 28 March 02:00 (+01 to +02), back on 31 October at 03:00.
    "Europe/Paris": [("20270328T020000", "+0100", "+0200"), ("20271031T030000", "+0200", "+0100")],
    # Egypt's summer time starts at midnight on the last Friday of April (30 April) and ends at
    # midnight after the last Thursday of October (the night of 28 to 29 October).
    "Africa/Cairo": [("20270430T000000", "+0200", "+0300"), ("20271029T000000", "+0300", "+0200")],
    # Morocco steps back to +00 for Ramadan: 7 February 03:00 until 14 March 02:00.
    "Africa/Casablanca": [
        ("20270207T030000", "+0100", "+0000"),
        ("20270314T020000", "+0000", "+0100"),
    ],
}


def _observances(lines: list[str], tzid: str) -> list[dict[str, str]]:
    """The STANDARD/DAYLIGHT sub-components of the feed's VTIMEZONE for tzid, as the content
    lines they hold (property order and folding do not matter)."""
    start = lines.index(f"TZID:{tzid}")
    observances: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in lines[start:]:
        if line == "END:VTIMEZONE":
            break
        if line in ("BEGIN:STANDARD", "BEGIN:DAYLIGHT"):
            current = {"kind": line.split(":")[1]}
        elif line in ("END:STANDARD", "END:DAYLIGHT"):
            observances.append(current)
            current = None
        elif current is not None:
            name, value = line.split(":", 1)
            current[name] = value
    return observances


@pytest.mark.parametrize("tzid", CHANGES_2027)
def test_vtimezone_in_the_feed_states_the_2027_changes(tzid):
    zone = ZoneInfo(tzid)
    start = datetime(2027, 6, 1, 10, 0, tzinfo=zone).astimezone(UTC)
    event = FeedEvent(
        uid=f"{tzid}@test",
        title=tzid,
        start_dt=start,
        end_dt=start + timedelta(hours=1),
        timezone=tzid,
        updated_dt=datetime(2026, 11, 1, tzinfo=UTC),
    )
    lines = unfolded(build_calendar(CalendarMeta(name="Zones"), [event]))
    observances = _observances(lines, tzid)
    changes = {
        (o.get("DTSTART"), o.get("TZOFFSETFROM"), o.get("TZOFFSETTO"))
        for o in observances
        if o.get("TZOFFSETFROM") != o.get("TZOFFSETTO")
    }
    assert changes == set(CHANGES_2027[tzid])
    if tzid == "Europe/Paris":
        summer = next(o for o in observances if o.get("DTSTART") == "20270328T020000")
        assert summer["kind"] == "DAYLIGHT"
    # Whatever is in force on 1 January 2027 is stated too, so no time in the year is uncovered.
    first = min(observances, key=lambda o: o["DTSTART"])
    assert first["DTSTART"] <= "20270101T030000"
    assert first["TZOFFSETTO"] == CHANGES_2027[tzid][0][1]
