"""Real producers' exports read into UTC instants, each checked against zoneinfo."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from coordinator.calendars import parsing

FIXTURES = Path(__file__).parent / "fixtures"
WINDOW = parsing.Window(datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 6, 1, tzinfo=UTC))


def read(name: str, zone: str = "Europe/Paris") -> parsing.ParseResult:
    return parsing.parse((FIXTURES / name).read_bytes(), WINDOW, default_zone=zone)


def at(zone: str, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def by_title(result: parsing.ParseResult) -> dict[str, list[parsing.Occurrence]]:
    found: dict[str, list[parsing.Occurrence]] = {}
    for occurrence in result.occurrences:
        found.setdefault(occurrence.title, []).append(occurrence)
    return found


def test_outlook_windows_zone_names_map_to_iana_through_cldr():
    result = read("outlook.ics")
    assert result.problems == []
    events = by_title(result)
    steering = events["[joint] Steering committee"][0]
    # "W. Europe Standard Time" is CLDR's Europe/Berlin; summer time applies in June.
    assert steering.timezone == "Europe/Berlin"
    assert steering.start_dt == at("Europe/Berlin", 2027, 6, 15, 10, 0)
    assert steering.end_dt == at("Europe/Berlin", 2027, 6, 15, 12, 30)
    # Folded lines and escaped text come back whole; the HTML alternative is not used.
    assert steering.description.startswith("Agenda: review of the joint work plan, budget; next")
    assert "<" not in steering.description and "alert" not in steering.description
    assert steering.venue == "Palais du Pharo, Marseille"
    assert steering.uid.endswith("A1B2C3D4E5F60718293A4B5C6D7E8F90")
    # No VTIMEZONE for "Egypt Standard Time": the name alone, through CLDR, gives Cairo.
    forum = events["[joint] Nile water forum"][0]
    assert forum.timezone == "Africa/Cairo"
    assert forum.start_dt == at("Africa/Cairo", 2027, 7, 6, 10, 0)
    assert forum.online_url.startswith("https://teams.microsoft.com/")


def test_google_x_wr_timezone_keeps_the_local_hour_across_dst_and_all_day_end_is_exclusive():
    result = read("google.ics")
    assert result.declared_zone == "Asia/Beirut"
    calls = by_title(result)["Working group call"]
    assert [o.start_dt for o in calls] == [
        at("Asia/Beirut", 2027, 3, 16, 9, 0),
        at("Asia/Beirut", 2027, 3, 23, 9, 0),
        at("Asia/Beirut", 2027, 3, 30, 9, 0),
        at("Asia/Beirut", 2027, 4, 6, 9, 0),
    ]
    assert len({o.recurrence_id for o in calls}) == 4 and all(o.recurrence_id for o in calls)
    assert calls[0].categories == ("MedCities",)
    assert calls[0].online_url == "https://meet.google.com/abc-defg-hij"
    days = by_title(result)["Urban resilience days"][0]
    assert days.is_all_day and days.timezone == "Asia/Beirut"
    assert (days.start_date, days.end_date) == (date(2027, 4, 10), date(2027, 4, 11))
    assert days.start_dt == at("Asia/Beirut", 2027, 4, 10, 0, 0)
    assert days.end_dt == at("Asia/Beirut", 2027, 4, 12, 0, 0)


def test_apple_floating_times_read_in_the_partners_zone_and_say_so():
    result = read("apple.ics", zone="Asia/Jerusalem")
    events = by_title(result)
    visit = events["Study visit: tramway depot"][0]
    assert visit.floating_zone == "Asia/Jerusalem" and visit.timezone == "Asia/Jerusalem"
    assert visit.start_dt == at("Asia/Jerusalem", 2027, 5, 20, 14, 0)
    assert visit.description == "Visite guidée — Ελληνικά — Türkçe — العربية"
    assert visit.venue == "Dépôt de Saint-Pierre Marseille"  # one line
    workshop = events["Mobility workshop"][0]  # DURATION instead of DTEND
    assert workshop.start_dt == at("Asia/Jerusalem", 2027, 5, 21, 9, 30)
    assert workshop.end_dt == at("Asia/Jerusalem", 2027, 5, 21, 13, 0)


def test_a_declared_zone_wins_over_the_partners_for_floating_times():
    body = (
        (FIXTURES / "apple.ics")
        .read_bytes()
        .replace(
            b"CALSCALE:GREGORIAN\r\n", b"CALSCALE:GREGORIAN\r\nX-WR-TIMEZONE:Europe/Istanbul\r\n"
        )
    )
    visit = parsing.parse(body, WINDOW, default_zone="Asia/Jerusalem").occurrences[0]
    assert visit.floating_zone == "Europe/Istanbul"
    assert visit.start_dt == at("Europe/Istanbul", 2027, 5, 20, 14, 0)


def test_nextcloud_rrule_exdate_and_overridden_occurrence():
    result = read("nextcloud.ics")
    assert result.problems == []
    occurrences = result.occurrences
    # Four first Thursdays, April excluded, March moved to the afternoon.
    assert [o.start_dt for o in occurrences] == [
        at("Africa/Casablanca", 2027, 2, 4, 10, 0),
        at("Africa/Casablanca", 2027, 3, 4, 14, 0),  # during Ramadan: UTC+0 (zoneinfo)
        at("Africa/Casablanca", 2027, 5, 6, 10, 0),
    ]
    moved = occurrences[1]
    assert moved.title == "Monthly partners meeting (afternoon, Ramadan)"
    assert moved.sequence == 3
    assert len({o.key for o in occurrences}) == 3


def test_cancelled_status_and_sequence_are_read():
    first = {o.uid: o for o in read("cancelled_v1.ics").occurrences}
    second = {o.uid: o for o in read("cancelled_v2.ics").occurrences}
    uid = "c0ffee01-thunderbird@example.org"
    assert not first[uid].is_cancelled and first[uid].sequence == 0
    assert second[uid].is_cancelled and second[uid].sequence == 2
    assert second[uid].start_dt == at("Europe/Istanbul", 2027, 9, 15, 9, 30)


def test_html_alternative_description_is_reduced_to_text():
    text = parsing.html_to_text('<p onclick="x()">A &amp; <b>B</b><script>evil()</script></p>')
    assert text.strip() == "A & B"


def _calendar(*events: str) -> bytes:
    body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + "".join(events)
    return (body + "END:VCALENDAR\r\n").encode()


def _event(uid: str, extra: str = "", start: str = "DTSTART:20270301T100000Z") -> str:
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:E {uid}\r\n{start}\r\n"
        f"DTEND:20270301T110000Z\r\n{extra}END:VEVENT\r\n"
    )


def test_unknown_zone_without_vtimezone_skips_that_event_only():
    body = _calendar(
        _event("good"),
        _event("bad", start="DTSTART;TZID=Mars Standard Time:20270301T100000"),
    )
    result = parsing.parse(body, WINDOW)
    assert [o.uid for o in result.occurrences] == ["good"]
    assert any("Mars Standard Time" in p for p in result.problems)


DEEP = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
    + b"BEGIN:VEVENT\r\n" * 20_000
    + b"END:VEVENT\r\n" * 20_000
    + b"END:VCALENDAR\r\n"
)


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (b"\x00\x01garbage that is not a calendar", "not an iCalendar file"),
        (b"<html><body>Login required</body></html>", "not an iCalendar file"),
        (_calendar(_event("x")).replace(b"E x", b"caf\xe9"), "byte 0xE9"),
        (b"BEGIN:VCALENDAR\r\n" + b"BEGIN:VEVENT\r\n" * 50_000, "too deeply"),
        (DEEP, "nests components too deeply"),
    ],
)
def test_hostile_calendars_give_a_clear_error(payload, words):
    with pytest.raises(parsing.CalendarError) as raised:
        parsing.parse(payload, WINDOW)
    assert words in str(raised.value)


def test_ten_thousand_events_are_refused_with_advice():
    body = _calendar(*(_event(f"e{n}") for n in range(10_000)))
    with pytest.raises(parsing.CalendarError) as raised:
        parsing.parse(body, WINDOW, max_occurrences=2000)
    assert "more than 2,000 events" in str(raised.value) and "filter" in str(raised.value)


def test_a_series_repeating_every_second_is_not_expanded():
    body = _calendar(_event("spam", "RRULE:FREQ=SECONDLY\r\n"), _event("ok"))
    result = parsing.parse(body, WINDOW)
    assert [o.uid for o in result.occurrences] == ["spam", "ok"] or len(result.occurrences) == 2
    assert any("more than once a day" in p for p in result.problems)
