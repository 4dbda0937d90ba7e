"""How events read on pages: when they happen in their own zone, and country names."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from babel import Locale

from coordinator.activities.models import Event

_DAY = "%a %d %b %Y"
_TIME = "%H:%M"


def _day(value: date) -> str:
    return value.strftime(_DAY)


def event_when(event: Event) -> str:
    """The event's time in its own zone, with the zone's name.

    Timed: "Tue 14 Apr 2027, 10:00–12:30 (Africa/Cairo, EET)".
    All-day: "Tue 14 Apr 2027" or "Tue 14 Apr 2027 – Thu 16 Apr 2027 (all day)".
    """
    if event.is_all_day and event.start_date is not None:
        last_day = event.end_date or event.start_date
        if last_day == event.start_date:
            return f"{_day(event.start_date)} (all day)"
        return f"{_day(event.start_date)} – {_day(last_day)} (all day)"
    zone = ZoneInfo(event.timezone)
    start = event.start_dt.astimezone(zone)
    end = event.end_dt.astimezone(zone)
    start_abbr, end_abbr = start.strftime("%Z"), end.strftime("%Z")
    # A clock change inside the event shows both names, e.g. "CET/CEST".
    abbreviation = start_abbr if start_abbr == end_abbr else f"{start_abbr}/{end_abbr}"
    zone_label = f"({event.timezone}, {abbreviation})"
    # An event ending at midnight still reads as one day.
    if end.date() == start.date() or (end - timedelta(microseconds=1)).date() == start.date():
        return f"{_day(start)}, {start.strftime(_TIME)}–{end.strftime(_TIME)} {zone_label}"
    return (f"{_day(start)}, {start.strftime(_TIME)} – {_day(end)}, {end.strftime(_TIME)} "
            f"{zone_label}")


def event_iso_start(event: Event) -> str:
    """A machine-readable start for <time datetime>: the local date, or the UTC instant."""
    if event.is_all_day and event.start_date is not None:
        return event.start_date.isoformat()
    return event.start_dt.isoformat()


def country_name(code: str) -> str:
    """Name of an ISO 3166 country code in the page's language ("" if none given)."""
    from coordinator import i18n

    return i18n.country_name(code) if code else ""


def language_names(codes: str) -> list[str]:
    """English names of the comma-separated language codes of an event."""
    names = []
    languages = Locale("en").languages
    for code in (c.strip() for c in (codes or "").split(",")):
        if code:
            names.append(languages.get(code.lower(), code))
    return names


def web_url(value: str | None) -> str:
    """The URL if it is an http(s) address, else "" (no javascript: or data: links)."""
    value = (value or "").strip()
    if value.lower().startswith(("https://", "http://")) and " " not in value:
        return value
    return ""
