"""Times in the repeated hour when clocks go back are written in UTC, so every reader, libical
included, puts them where zoneinfo does.

RFC 5545 reads an ambiguous wall time as its first occurrence, libical (Evolution, Cyrus) as its
second. Cairo's clocks go back at midnight and Beirut's at midnight too, so evening events end in
the repeated hour; Jerusalem's and Madrid's go back in the small hours.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from coordinator.feeds.ical import CalendarMeta, FeedEvent, build_calendar
from coordinator.feeds.vtimezone import transitions
from tests.feeds.validation import reading, unfolded, validate_feed

ZONES = ("Africa/Cairo", "Asia/Beirut", "Asia/Jerusalem", "Europe/Madrid")
# The local date on which each zone's repeated hour starts (tzdata 2026).
EXPECTED_DAYS = {
    "Africa/Cairo": ("2026-10-29", "2027-10-28"),
    "Asia/Beirut": ("2026-10-24", "2027-10-30"),
    "Asia/Jerusalem": ("2026-10-25", "2027-10-31"),
    "Europe/Madrid": ("2026-10-25", "2027-10-31"),
}
PARSERS = ["ical.js", "vobject", "ical", "icalendar", "libical"]


def repeated_hours(tzid: str) -> list[datetime]:
    """The naive local start of each repeated hour (clocks going back) in 2026 and 2027."""
    zone = ZoneInfo(tzid)
    starts = []
    first, last = datetime(2026, 7, 1, tzinfo=UTC), datetime(2027, 12, 31, tzinfo=UTC)
    for instant, old, new in transitions(zone, first, last):
        if new[0] < old[0]:
            starts.append((instant + new[0]).replace(tzinfo=None))
    return starts


def _wall(local: datetime, tzid: str, fold: int) -> datetime:
    return local.replace(fold=fold, tzinfo=ZoneInfo(tzid)).astimezone(UTC)


def _is_ambiguous(instant: datetime, tzid: str) -> bool:
    local = instant.astimezone(ZoneInfo(tzid))
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def _event(uid: str, tzid: str, start: datetime, end: datetime) -> FeedEvent:
    return FeedEvent(
        uid=uid,
        title=uid,
        start_dt=start,
        end_dt=end,
        timezone=tzid,
        updated_dt=datetime(2026, 11, 1, tzinfo=UTC),
    )


def ambiguous_events() -> list[FeedEvent]:
    """Around every repeated hour: inside it (first and second occurrence), an evening event
    ending in it, one starting in it, and one from its first pass into its second."""
    events = []
    minutes = timedelta(minutes=1)
    for tzid in ZONES:
        for hour in repeated_hours(tzid):
            day = f"{tzid}-{hour:%Y%m%d}"
            cases = {
                "inside-first": ((hour + 10 * minutes, 0), (hour + 50 * minutes, 0)),
                "inside-second": ((hour + 10 * minutes, 1), (hour + 50 * minutes, 1)),
                "ends-inside": ((hour - 150 * minutes, 0), (hour + 30 * minutes, 0)),
                "starts-inside": ((hour + 30 * minutes, 1), (hour + 120 * minutes, 0)),
                "first-to-second": ((hour + 30 * minutes, 0), (hour + 20 * minutes, 1)),
            }
            for name, ((start, start_fold), (end, end_fold)) in cases.items():
                events.append(
                    _event(
                        f"{day}-{name}@test",
                        tzid,
                        _wall(start, tzid, start_fold),
                        _wall(end, tzid, end_fold),
                    )
                )
    return events


def test_the_repeated_hours_are_the_autumn_changes():
    for tzid in ZONES:
        days = tuple(f"{hour:%Y-%m-%d}" for hour in repeated_hours(tzid))
        assert days == EXPECTED_DAYS[tzid], tzid


@pytest.fixture(scope="module")
def ambiguous_feed():
    events = ambiguous_events()
    body = build_calendar(CalendarMeta(name="Repeated hours"), events)
    return events, validate_feed(body), body


@pytest.mark.parametrize("parser", PARSERS)
def test_every_parser_reads_the_repeated_hour_as_zoneinfo_does(ambiguous_feed, parser):
    events, readings, _ = ambiguous_feed
    assert len(events) == len(ZONES) * 2 * 5
    instants = reading(readings, parser)
    wrong = []
    for event in events:
        expected = (int(event.start_dt.timestamp()), int(event.end_dt.timestamp()))
        if instants.get(event.uid) != expected:
            wrong.append((event.uid, instants.get(event.uid), expected))
    assert not wrong, f"{len(wrong)} of {len(events)} wrong: {wrong[:5]}"


def test_ambiguous_times_are_written_in_utc_and_the_others_with_their_zone(ambiguous_feed):
    events, _, body = ambiguous_feed
    by_uid = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}
    ambiguous = 0
    for event in events:
        vevent = by_uid[event.uid]
        for prop, instant in (("DTSTART", event.start_dt), ("DTEND", event.end_dt)):
            written = vevent[prop].to_ical()
            if _is_ambiguous(instant, event.timezone):
                ambiguous += 1
                assert written.endswith(b"Z") and "TZID" not in vevent[prop].params
                assert vevent[prop].dt == instant
            else:
                assert not written.endswith(b"Z"), (event.uid, prop)
                assert vevent[prop].params["TZID"] == event.timezone
    assert ambiguous == len(ZONES) * 2 * 8


def test_a_zone_only_ambiguous_times_would_name_gets_no_vtimezone():
    inside = [e for e in ambiguous_events() if e.uid.endswith("-inside-first@test")]
    body = build_calendar(CalendarMeta(name="Inside"), inside)
    validate_feed(body)
    lines = unfolded(body)
    assert "BEGIN:VTIMEZONE" not in lines
    assert not any(";TZID=" in line for line in lines)
