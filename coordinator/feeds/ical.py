"""A pure iCalendar (RFC 5545 + RFC 7986) writer for event feeds: data in, bytes out.

It writes lines itself rather than through icalendar's object model: the output must be exact at
the octet level (CRLF, 75-octet folds that never split a UTF-8 character, no BOM), byte-stable for
the same data (so ETags are stable), and fast enough to serve a network-wide feed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote, urlsplit

from coordinator.feeds.vtimezone import vtimezone_lines, zone_for

CRLF = b"\r\n"
PRODID = "-//MedCities//coordinator//EN"
MAX_LINE_OCTETS = 75

# C0/C1 controls (tab and newline handled separately), lone surrogates, BOM/ZWNBSP.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff]")
_NEWLINES = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x85")


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """What a feed shows of one event; built from an Event row by feeds.services."""

    uid: str
    title: str
    start_dt: datetime  # UTC instant
    end_dt: datetime
    timezone: str
    updated_dt: datetime
    created_dt: datetime | None = None
    sequence: int = 0
    is_all_day: bool = False
    start_date: date | None = None
    end_date: date | None = None  # last day, inclusive
    summary: str = ""
    description: str = ""
    location: str = ""
    latitude: float | None = None
    longitude: float | None = None
    url: str = ""
    online_url: str = ""
    registration_url: str = ""
    categories: tuple[str, ...] = ()
    is_cancelled: bool = False
    cancel_reason: str = ""


@dataclass(frozen=True, slots=True)
class CalendarMeta:
    name: str
    description: str = ""
    refresh_interval: timedelta = timedelta(hours=6)
    method: str | None = "PUBLISH"
    max_description: int = 2000
    extra: tuple[tuple[str, str], ...] = field(default=())


# --- value formatting -------------------------------------------------------------------------


def clean_text(value: str, single_line: bool = False) -> str:
    """Strip control characters; newlines become \\n (or spaces on single-line fields)."""
    if not value:
        return ""
    value = _NEWLINES.sub(" " if single_line else "\n", value)
    value = value.replace("\t", " ")
    return _CONTROL.sub("", value)


def escape_text(value: str, single_line: bool = False) -> str:
    """A TEXT value: cleaned, then \\ ; , and newlines escaped (RFC 5545 3.3.11)."""
    value = clean_text(value, single_line)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def clean_uri(value: str) -> str:
    """An http(s) URI safe to write as a property value, or "" when there is none."""
    value = clean_text(value or "", single_line=True).strip()
    if not value:
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    # Percent-encode spaces and non-ASCII; keep every reserved character as it is.
    return quote(value, safe="!#$%&'()*+,/:;=?@[]~")


def format_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> bytes:
    """One content line as CRLF-terminated octets, folded at 75 octets between characters."""
    data = line.encode("utf-8")
    if len(data) <= MAX_LINE_OCTETS:
        return data + CRLF
    pieces = []
    start = 0
    limit = MAX_LINE_OCTETS
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # never cut inside a multi-byte character
            end -= 1
        pieces.append(data[start:end])
        start = end
        limit = MAX_LINE_OCTETS - 1  # continuation lines start with a space
    pieces.append(data[start:])
    return b"\r\n ".join(pieces) + CRLF


# --- components -------------------------------------------------------------------------------


class _ZoneRanges:
    """Which zones the feed uses and the years each must cover."""

    def __init__(self) -> None:
        self.years: dict[str, tuple[int, int]] = {}

    def note(self, tzid: str, start: datetime, end: datetime) -> None:
        first, last = start.year, end.year
        known = self.years.get(tzid)
        if known:
            first, last = min(first, known[0]), max(last, known[1])
        self.years[tzid] = (first, last)

    def lines(self) -> list[str]:
        result: list[str] = []
        for tzid in sorted(self.years):
            first, last = self.years[tzid]
            result.extend(vtimezone_lines(tzid, first, last))
        return result


def _date_time(name: str, moment: datetime, tzid: str, zones: _ZoneRanges) -> str:
    zone = zone_for(tzid)
    if zone is None:
        return f"{name}:{format_utc(moment)}"
    local = moment.astimezone(zone)
    if local.fold and local.replace(fold=0).utcoffset() != local.utcoffset():
        # The second pass through a repeated hour: a TZID form would mean the first one.
        return f"{name}:{format_utc(moment)}"
    return f"{name};TZID={tzid}:{local:%Y%m%dT%H%M%S}"


def _description(event: FeedEvent, meta: CalendarMeta) -> str:
    parts: list[str] = []
    if event.is_cancelled:
        notice = "This event has been cancelled."
        if event.cancel_reason:
            notice += " " + event.cancel_reason.strip()[:500]
        parts.append(notice)
    if event.summary:
        parts.append(event.summary.strip())
    body = (event.description or "").strip()
    if meta.max_description <= 0:
        body = ""
    elif len(body) > meta.max_description:
        body = body[: meta.max_description].rstrip() + " …"
    if body:
        parts.append(body)
    links = []
    online = clean_uri(event.online_url)
    if online:
        links.append(f"Join online: {online}")
    registration = clean_uri(event.registration_url)
    if registration:
        links.append(f"Register: {registration}")
    page = clean_uri(event.url)
    if page:
        links.append(f"Details: {page}")
    if links:
        parts.append("\n".join(links))
    return "\n\n".join(parts)


def event_lines(event: FeedEvent, meta: CalendarMeta, zones: _ZoneRanges) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid, single_line=True)}",
        # Derived from the row, not the clock: the same data renders the same bytes.
        f"DTSTAMP:{format_utc(event.updated_dt)}",
    ]
    if event.is_all_day and event.start_date and event.end_date:
        lines.append(f"DTSTART;VALUE=DATE:{event.start_date:%Y%m%d}")
        lines.append(f"DTEND;VALUE=DATE:{event.end_date + timedelta(days=1):%Y%m%d}")
    else:
        lines.append(_date_time("DTSTART", event.start_dt, event.timezone, zones))
        lines.append(_date_time("DTEND", event.end_dt, event.timezone, zones))
        if zone_for(event.timezone) is not None:
            zones.note(event.timezone, event.start_dt, event.end_dt)
    title = event.title.strip() or "Untitled event"
    if event.is_cancelled:
        title = f"Cancelled: {title}"
    lines.append(f"SUMMARY:{escape_text(title, single_line=True)}")
    description = _description(event, meta)
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if event.location.strip():
        lines.append(f"LOCATION:{escape_text(event.location.strip(), single_line=True)}")
    if _valid_geo(event.latitude, event.longitude):
        lines.append(f"GEO:{event.latitude:.6f};{event.longitude:.6f}")
    url = clean_uri(event.url) or clean_uri(event.online_url)
    if url:
        lines.append(f"URL:{url}")
    online = clean_uri(event.online_url)
    if online:
        lines.append(f"CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL=Join online:{online}")
    categories = [escape_text(c, single_line=True) for c in event.categories if c and c.strip()]
    if categories:
        lines.append("CATEGORIES:" + ",".join(categories))
    lines.append("STATUS:CANCELLED" if event.is_cancelled else "STATUS:CONFIRMED")
    lines.append("TRANSP:TRANSPARENT" if event.is_cancelled else "TRANSP:OPAQUE")
    lines.append(f"SEQUENCE:{max(int(event.sequence), 0)}")
    if event.created_dt:
        lines.append(f"CREATED:{format_utc(event.created_dt)}")
    lines.append(f"LAST-MODIFIED:{format_utc(event.updated_dt)}")
    lines.append("END:VEVENT")
    return lines


def event_size(event: FeedEvent, meta: CalendarMeta) -> int:
    """Octets the event's VEVENT takes in a calendar."""
    return sum(len(fold(line)) for line in event_lines(event, meta, _ZoneRanges()))


def _valid_geo(latitude: float | None, longitude: float | None) -> bool:
    if latitude is None or longitude is None:
        return False
    return -90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0


def format_duration(interval: timedelta) -> str:
    seconds = max(int(interval.total_seconds()), 60)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = "P"
    if days:
        text += f"{days}D"
    if hours or minutes or secs:
        text += "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
        text += f"{secs}S" if secs else ""
    return text


def build_calendar(meta: CalendarMeta, events: Iterable[FeedEvent]) -> bytes:
    """The whole VCALENDAR as bytes: UTF-8, no BOM, CRLF, folded."""
    zones = _ZoneRanges()
    body: list[str] = []
    for event in events:
        body.extend(event_lines(event, meta, zones))
    name = escape_text(meta.name, single_line=True)
    refresh = format_duration(meta.refresh_interval)
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    if meta.method:
        head.append(f"METHOD:{meta.method}")
    head += [f"NAME:{name}", f"X-WR-CALNAME:{name}"]
    if meta.description:
        description = escape_text(meta.description)
        head += [f"DESCRIPTION:{description}", f"X-WR-CALDESC:{description}"]
    head += [f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}", f"X-PUBLISHED-TTL:{refresh}"]
    head += [f"{key}:{escape_text(value, single_line=True)}" for key, value in meta.extra]
    lines = head + zones.lines() + body + ["END:VCALENDAR"]
    return b"".join(fold(line) for line in lines)
