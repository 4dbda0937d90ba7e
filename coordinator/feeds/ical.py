"""Event feeds (RFC 5545 + RFC 7986) through icalendar's component model: data in, bytes out.

Every VCALENDAR, VEVENT and VTIMEZONE is an icalendar component, and the octets are the ones
icalendar writes for it (CRLF, 75-octet folds that never split a UTF-8 character, no BOM). Feeds
write thousands of VEVENTs, so vevent_octets() writes their lines directly, held by tests to the
bytes icalendar writes for event_component(). What stays here is what a feed
needs on top: text cleaned of control characters before icalendar sees it (it raises on CR/LF in
some properties), times in a zone written in UTC when the wall time is ambiguous, DTSTAMP from the
row so the same data renders the same bytes (stable ETags), and the size cap. VTIMEZONEs come from
feeds.vtimezone, never from icalendar's add_missing_timezones() (see that module for why).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from urllib.parse import quote, urlsplit

from icalendar import Calendar, Event, vCategory, vDDDTypes, vDuration, vGeo, vInt, vText, vUri
from icalendar.parser import Contentline

from coordinator.feeds.vtimezone import vtimezone_component, zone_for

PRODID = "-//MedCities//coordinator//EN"
MAX_LINE_OCTETS = 75
# Serialised VEVENTs kept per process (a few MB): a rebuilt feed serialises only what changed.
RENDERED_EVENTS_KEPT = 4096
_END_CALENDAR = b"END:VCALENDAR\r\n"

# C0/C1 controls (tab and newline handled separately), lone surrogates, BOM/ZWNBSP.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff]")
_NEWLINES = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x85")


@dataclass(frozen=True, slots=True)
class FeedLabels:
    """The feed's own words around an event's text. A feed without `lang` is written with these
    English defaults (its bytes never depend on any catalogue); a `?lang=` feed with the
    language's translations (feeds.services.feed_labels)."""

    cancelled_notice: str = "This event has been cancelled."
    cancelled_title: str = "Cancelled: %(title)s"
    untitled: str = "Untitled event"
    join_online: str = "Join online"
    register: str = "Register"
    details: str = "Details"


ENGLISH_LABELS = FeedLabels()


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
    # The words around DESCRIPTION's text (in its language) and around SUMMARY's (in the
    # title's): a text never mixes languages.
    labels: FeedLabels = ENGLISH_LABELS
    title_labels: FeedLabels = ENGLISH_LABELS
    # The language of SUMMARY's text and of DESCRIPTION's (summary and description) text, and of
    # each category, written as RFC 5545 LANGUAGE parameters; "" (a feed without `lang`, which
    # shows originals): no parameter.
    title_language: str = ""
    text_language: str = ""
    category_languages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CalendarMeta:
    name: str
    description: str = ""
    refresh_interval: timedelta = timedelta(hours=6)
    method: str | None = "PUBLISH"
    max_description: int = 2000
    extra: tuple[tuple[str, str], ...] = field(default=())


# --- value cleaning -----------------------------------------------------------------------------


def clean_text(value: str, single_line: bool = False) -> str:
    """Strip control characters; newlines become \\n (or spaces on single-line fields)."""
    if not value:
        return ""
    value = _NEWLINES.sub(" " if single_line else "\n", value)
    value = value.replace("\t", " ")
    return _CONTROL.sub("", value)


@lru_cache(maxsize=256)  # each VEVENT cleans its URIs twice (their lines and DESCRIPTION)
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


def fold(line: str) -> bytes:
    """One content line as CRLF-terminated octets, folded the way icalendar folds every line."""
    return Contentline(line).to_ical() + b"\r\n"


# --- property values ----------------------------------------------------------------------------


def _escape(value: str) -> str:
    # RFC 5545 3.3.11. icalendar's own escaping first turns a literal backslash-N into a line
    # break (so "C:\Nouveau" would come back as two lines); here a backslash is always a backslash.
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


class _Text(vText):
    """A TEXT value, already cleaned, escaped so every parser reads back the same string."""

    __slots__ = ()

    def to_ical(self) -> bytes:
        return _escape(self).encode("utf-8")


class _Categories(vCategory):
    def to_ical(self) -> bytes:
        return ",".join(_escape(category) for category in self.cats).encode("utf-8")


class _Geo(vGeo):
    """GEO with six decimals (about 10 cm): fixed width, never a float's exponent form."""

    def to_ical(self) -> str:
        return f"{self.latitude:.6f};{self.longitude:.6f}"


def _text(value: str, single_line: bool = False, language: str = "") -> _Text:
    # RFC 5545 3.2.10: LANGUAGE names the language of the property's text.
    params = {"LANGUAGE": language} if language else None
    return _Text(clean_text(value, single_line), params=params)


def _utc(moment: datetime) -> vDDDTypes:
    return vDDDTypes(moment.astimezone(UTC))


def _local_or_utc(moment: datetime, tzid: str) -> datetime:
    """The moment as a wall time in its zone, or in UTC when no zone (or no unambiguous wall
    time) can carry it. A wall time in the repeated hour when clocks go back means its first
    occurrence in RFC 5545 but its second in libical (Evolution, Cyrus), so neither occurrence is
    written with a TZID; a UTC instant is read the same way everywhere."""
    zone = zone_for(tzid)
    if zone is None:
        return moment.astimezone(UTC)
    local = moment.astimezone(zone)
    other = local.replace(fold=1 - local.fold)
    if other.utcoffset() != local.utcoffset():
        return moment.astimezone(UTC)
    return local


# --- components ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RenderedEvent:
    """One VEVENT, serialised once, and the zone its TZIDs need (None: only UTC or dates)."""

    octets: bytes
    zone: tuple[str, int, int] | None  # tzid, first year, last year


def _description(event: FeedEvent, max_description: int) -> str:
    labels = event.labels
    parts: list[str] = []
    if event.is_cancelled:
        notice = labels.cancelled_notice
        if event.cancel_reason:
            notice += " " + event.cancel_reason.strip()[:500]
        parts.append(notice)
    if event.summary:
        parts.append(event.summary.strip())
    body = (event.description or "").strip()
    if max_description <= 0:
        body = ""
    elif len(body) > max_description:
        body = body[:max_description].rstrip() + " …"
    if body:
        parts.append(body)
    links = []
    online = clean_uri(event.online_url)
    if online:
        links.append(f"{labels.join_online}: {online}")
    registration = clean_uri(event.registration_url)
    if registration:
        links.append(f"{labels.register}: {registration}")
    page = clean_uri(event.url)
    if page:
        links.append(f"{labels.details}: {page}")
    if links:
        parts.append("\n".join(links))
    return "\n\n".join(parts)


def event_component(event: FeedEvent, max_description: int) -> tuple[Event, str | None]:
    """The VEVENT, and the TZID its times are written in (None when there is none)."""
    vevent = Event()
    vevent["UID"] = _text(event.uid, single_line=True)
    # Derived from the row, not the clock: the same data renders the same bytes.
    vevent["DTSTAMP"] = _utc(event.updated_dt)
    tzid = None
    if event.is_all_day and event.start_date and event.end_date:
        vevent["DTSTART"] = vDDDTypes(event.start_date)
        vevent["DTEND"] = vDDDTypes(event.end_date + timedelta(days=1))
    else:
        start = _local_or_utc(event.start_dt, event.timezone)
        end = _local_or_utc(event.end_dt, event.timezone)
        vevent["DTSTART"] = vDDDTypes(start)
        vevent["DTEND"] = vDDDTypes(end)
        if start.tzinfo is not UTC or end.tzinfo is not UTC:
            tzid = event.timezone
    labels = event.labels
    title = event.title.strip() or event.title_labels.untitled
    if event.is_cancelled:
        title = event.title_labels.cancelled_title % {"title": title}
    vevent["SUMMARY"] = _text(title, single_line=True, language=event.title_language)
    description = _description(event, max_description)
    if description:
        vevent["DESCRIPTION"] = _text(description, language=event.text_language)
    location = event.location.strip()
    if location:
        vevent["LOCATION"] = _text(location, single_line=True)
    if _valid_geo(event.latitude, event.longitude):
        vevent["GEO"] = _Geo((event.latitude, event.longitude))
    online = clean_uri(event.online_url)
    url = clean_uri(event.url) or online
    if url:
        vevent["URL"] = vUri(url)
    if online:
        vevent["CONFERENCE"] = vUri(
            online, params={"VALUE": "URI", "FEATURE": "VIDEO", "LABEL": labels.join_online}
        )
    categories = _categories(event)
    if categories:
        vevent["CATEGORIES"] = categories[0] if len(categories) == 1 else categories
    vevent["STATUS"] = vText("CANCELLED" if event.is_cancelled else "CONFIRMED")
    vevent["TRANSP"] = vText("TRANSPARENT" if event.is_cancelled else "OPAQUE")
    vevent["SEQUENCE"] = vInt(max(int(event.sequence), 0))
    if event.created_dt:
        vevent["CREATED"] = _utc(event.created_dt)
    vevent["LAST-MODIFIED"] = _utc(event.updated_dt)
    return vevent, tzid


def _categories(event: FeedEvent) -> list[_Categories]:
    """One CATEGORIES property, or with languages one per language (in order of first use), so
    that a LANGUAGE parameter never covers a name in another language."""
    languages = event.category_languages or ("",) * len(event.categories)
    groups: dict[str, list[str]] = {}
    for category, language in zip(event.categories, languages, strict=True):
        if category and category.strip():
            groups.setdefault(language, []).append(clean_text(category, single_line=True))
    return [
        _Categories(names, params={"LANGUAGE": language} if language else None)
        for language, names in groups.items()
    ]


def render_event(event: FeedEvent, meta: CalendarMeta) -> RenderedEvent:
    return _rendered(event, meta.max_description)


@lru_cache(maxsize=RENDERED_EVENTS_KEPT)
def _rendered(event: FeedEvent, max_description: int) -> RenderedEvent:
    # The VEVENT depends on nothing but these two arguments, and FeedEvents that compare equal
    # render the same octets (times are used only as instants), so a cached VEVENT is the one a
    # fresh serialisation would write. An edited event is a different key: SEQUENCE, DTSTAMP and
    # LAST-MODIFIED come from the row.
    octets, tzid = vevent_octets(event, max_description)
    zone = None
    if tzid is not None:
        zone = (tzid, event.start_dt.astimezone(UTC).year, event.end_dt.astimezone(UTC).year)
    return RenderedEvent(octets, zone)


# --- VEVENT lines written directly ----------------------------------------------------------------
# A feed writes thousands of VEVENTs, and icalendar's component model costs most of a build
# (property objects, parameter dicts, a character-by-character fold of every line). The lines
# below are the ones event_component() has icalendar write, in its order and with its value
# formats; tests/feeds/test_ical_model.py and test_feed_build.py hold both to the same bytes.
# TZID parameters and the folding of lines that are not ASCII are still icalendar's own code.

# icalendar folds a line before its 75th octet: pieces of 74 octets, CRLF and a space between.
_PIECE = MAX_LINE_OCTETS - 1
_CONFERENCE = "CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL=Join online:"


def _line(line: str) -> bytes:
    """One content line, CRLF-terminated: icalendar's fold only when the line needs folding
    (it folds before the 75th octet, so 74 octets or fewer are written as they are)."""
    octets = line.encode("utf-8")
    if len(octets) <= _PIECE:
        return octets + b"\r\n"
    if len(octets) != len(line):  # not ASCII: octets and characters differ, icalendar folds
        return fold(line)
    pieces = []
    start = 0
    while len(line) - start > _PIECE:
        end = start + _PIECE
        if line[end - 1] in "\\^":  # never split an escape (\, or ^ in a parameter)
            end -= 1
        pieces.append(line[start:end])
        start = end
    pieces.append(line[start:])
    return "\r\n ".join(pieces).encode("ascii") + b"\r\n"


def _wall_value(moment: datetime) -> str:
    return (
        f"{moment.year:04d}{moment.month:02d}{moment.day:02d}"
        f"T{moment.hour:02d}{moment.minute:02d}{moment.second:02d}"
    )


def _utc_value(moment: datetime) -> str:
    return _wall_value(moment.astimezone(UTC)) + "Z"


def _date_value(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


@lru_cache(maxsize=1024)
def _tzid_parameter(tzid: str) -> str:
    """The parameters icalendar writes for a wall time in this zone (";TZID=..."), or "" when
    it writes such times in UTC (a zone it knows to be UTC under another name)."""
    zone = zone_for(tzid)
    params = vDDDTypes(datetime(2000, 1, 1, tzinfo=zone)).params.to_ical(sorted=False)
    return ";" + params.decode("utf-8") if params else ""


def _time_line(name: str, moment: datetime) -> str:
    wall = _wall_value(moment)
    if moment.tzinfo is UTC:
        return f"{name}:{wall}Z"
    parameter = _tzid_parameter(moment.tzinfo.key)
    return f"{name}{parameter}:{wall}" if parameter else f"{name}:{wall}Z"


def vevent_octets(event: FeedEvent, max_description: int) -> tuple[bytes, str | None]:
    """The VEVENT's octets as icalendar writes event_component()'s, and the TZID its times are
    written in (None when there is none)."""
    if _in_a_language(event):
        # A feed in a language (?lang=): LANGUAGE parameters and translated words, which the
        # direct lines below do not write; icalendar writes the VEVENT.
        vevent, tzid = event_component(event, max_description)
        return vevent.to_ical(sorted=False), tzid
    lines = ["BEGIN:VEVENT", "UID:" + _escape(clean_text(event.uid, single_line=True))]
    lines.append("DTSTAMP:" + _utc_value(event.updated_dt))
    tzid = None
    if event.is_all_day and event.start_date and event.end_date:
        lines.append("DTSTART;VALUE=DATE:" + _date_value(event.start_date))
        lines.append("DTEND;VALUE=DATE:" + _date_value(event.end_date + timedelta(days=1)))
    else:
        start = _local_or_utc(event.start_dt, event.timezone)
        end = _local_or_utc(event.end_dt, event.timezone)
        lines.append(_time_line("DTSTART", start))
        lines.append(_time_line("DTEND", end))
        if start.tzinfo is not UTC or end.tzinfo is not UTC:
            tzid = event.timezone
    title = event.title.strip() or "Untitled event"
    if event.is_cancelled:
        title = f"Cancelled: {title}"
    lines.append("SUMMARY:" + _escape(clean_text(title, single_line=True)))
    description = _description(event, max_description)
    if description:
        lines.append("DESCRIPTION:" + _escape(clean_text(description)))
    location = event.location.strip()
    if location:
        lines.append("LOCATION:" + _escape(clean_text(location, single_line=True)))
    if _valid_geo(event.latitude, event.longitude):
        lines.append(f"GEO:{event.latitude:.6f};{event.longitude:.6f}")
    online = clean_uri(event.online_url)
    url = clean_uri(event.url) or online
    if url:
        lines.append("URL:" + url)
    if online:
        lines.append(_CONFERENCE + online)
    categories = [
        _escape(clean_text(category, single_line=True))
        for category in event.categories
        if category and category.strip()
    ]
    if categories:
        lines.append("CATEGORIES:" + ",".join(categories))
    lines.append("STATUS:" + ("CANCELLED" if event.is_cancelled else "CONFIRMED"))
    lines.append("TRANSP:" + ("TRANSPARENT" if event.is_cancelled else "OPAQUE"))
    lines.append(f"SEQUENCE:{max(int(event.sequence), 0)}")
    if event.created_dt:
        lines.append("CREATED:" + _utc_value(event.created_dt))
    lines.append("LAST-MODIFIED:" + _utc_value(event.updated_dt))
    lines.append("END:VEVENT")
    return b"".join(_line(line) for line in lines), tzid


def _in_a_language(event: FeedEvent) -> bool:
    return bool(
        event.title_language
        or event.text_language
        or event.category_languages
        or event.labels is not ENGLISH_LABELS
        or event.title_labels is not ENGLISH_LABELS
    )


def event_size(event: FeedEvent, meta: CalendarMeta) -> int:
    """Octets the event's VEVENT takes in a calendar (the serialisation build_calendar reuses)."""
    return len(render_event(event, meta).octets)


def forget_rendered_events() -> None:
    """Empty the per-process cache of serialised VEVENTs (benchmarks measure cold builds)."""
    _rendered.cache_clear()


def _valid_geo(latitude: float | None, longitude: float | None) -> bool:
    if latitude is None or longitude is None:
        return False
    return -90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0


def _zone_years(events: Iterable[RenderedEvent]) -> dict[str, tuple[int, int]]:
    """Each zone a TZID names, with the years its VTIMEZONE must cover."""
    years: dict[str, tuple[int, int]] = {}
    for event in events:
        if event.zone is None:
            continue
        tzid, first, last = event.zone
        known = years.get(tzid)
        if known:
            first, last = min(first, known[0]), max(last, known[1])
        years[tzid] = (first, last)
    return years


def calendar_component(meta: CalendarMeta, zones: dict[str, tuple[int, int]]) -> Calendar:
    """The VCALENDAR with its properties and one VTIMEZONE per zone used, without its events."""
    calendar = Calendar()
    calendar["VERSION"] = vText("2.0")
    calendar["PRODID"] = vText(PRODID)
    calendar["CALSCALE"] = vText("GREGORIAN")
    if meta.method:
        calendar["METHOD"] = vText(meta.method)
    name = _text(meta.name, single_line=True)
    calendar["NAME"] = name
    calendar["X-WR-CALNAME"] = name
    if meta.description:
        description = _text(meta.description)
        calendar["DESCRIPTION"] = description
        calendar["X-WR-CALDESC"] = description
    # Clients ignore hints under a minute; both spellings carry the same value.
    refresh = max(meta.refresh_interval, timedelta(minutes=1))
    calendar["REFRESH-INTERVAL"] = vDuration(refresh, params={"VALUE": "DURATION"})
    calendar["X-PUBLISHED-TTL"] = vDuration(refresh)
    for key, value in meta.extra:
        calendar[key] = _text(value, single_line=True)
    for tzid in sorted(zones):
        calendar.add_component(vtimezone_component(tzid, *zones[tzid]))
    return calendar


@lru_cache(maxsize=512)
def _vtimezone_octets(tzid: str, first_year: int, last_year: int) -> bytes:
    return vtimezone_component(tzid, first_year, last_year).to_ical(sorted=False)


def _head(meta: CalendarMeta) -> bytes:
    """The VCALENDAR's own lines, before its components."""
    head = calendar_component(meta, {}).to_ical(sorted=False)
    assert head.endswith(_END_CALENDAR)
    return head[: -len(_END_CALENDAR)]


def assemble(meta: CalendarMeta, events: Sequence[RenderedEvent]) -> bytes:
    """The VCALENDAR's octets with the already serialised VEVENTs in it: the bytes icalendar
    writes for the whole tree (a component's octets are its lines, then each subcomponent's
    octets, then its END line), with each VTIMEZONE and VEVENT serialised once per process."""
    zones = _zone_years(events)
    return b"".join(
        [
            _head(meta),
            *(_vtimezone_octets(tzid, *zones[tzid]) for tzid in sorted(zones)),
            *(e.octets for e in events),
            _END_CALENDAR,
        ]
    )


def build_calendar(meta: CalendarMeta, events: Iterable[FeedEvent]) -> bytes:
    """The whole VCALENDAR as bytes: UTF-8, no BOM, CRLF, folded."""
    return assemble(meta, [render_event(event, meta) for event in events])


# --- the size cap -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FittedCalendar:
    """A calendar kept under a size cap, and how far it reaches when the cap cut it short."""

    body: bytes
    written: int  # events written (the first `written` of those given)
    until: date | None  # None: every event given is in; else the last day (UTC) fully covered


class _Budget:
    """Octets of the calendar so far: its own lines, the VTIMEZONEs its events need, the events."""

    def __init__(self, meta: CalendarMeta) -> None:
        self.head = len(_head(meta))
        self.zones: dict[str, tuple[int, int]] = {}
        self.zone_octets = 0
        self.events = 0

    def add(self, event: RenderedEvent) -> None:
        self.events += len(event.octets)
        if event.zone is None:
            return
        tzid, first, last = event.zone
        known = self.zones.get(tzid)
        if known is not None:
            if known[0] <= first and last <= known[1]:
                return
            first, last = min(first, known[0]), max(last, known[1])
            self.zone_octets -= len(_vtimezone_octets(tzid, *known))
        self.zones[tzid] = (first, last)
        self.zone_octets += len(_vtimezone_octets(tzid, first, last))

    @property
    def total(self) -> int:
        return self.head + self.zone_octets + self.events + len(_END_CALENDAR)


def fit_events(
    meta: CalendarMeta,
    events: Iterable[FeedEvent],
    max_bytes: int,
    notice: Callable[[date], str] = lambda until: "",
    descriptions_fit: bool = True,
) -> FittedCalendar:
    """The calendar of `events` (in start order) under max_bytes, built once from a stream.

    Events are serialised as they come and the stream is left as soon as the cap is passed, so
    a large window costs only what fits. Past the cap, descriptions go first (summary and links
    stay); if the events still do not fit, the feed ends at a day boundary (UTC) and its
    description says how far it reaches, with notice(last day covered) appended. A caller that
    knows the events cannot fit with their descriptions (descriptions_fit=False) saves writing
    them once: the bytes are the same."""
    taken: list[FeedEvent] = []
    rendered: list[RenderedEvent] = []
    budget = _Budget(meta)
    max_description = meta.max_description if descriptions_fit else 0
    overflow: FeedEvent | None = None
    for event in events:
        piece = _rendered(event, max_description)
        taken.append(event)
        rendered.append(piece)
        budget.add(piece)
        if budget.total <= max_bytes:
            continue
        if max_description > 0:
            # Over the cap with descriptions: the same events without them, once.
            max_description = 0
            rendered = [_rendered(e, 0) for e in taken]
            budget = _Budget(meta)
            for piece in rendered:
                budget.add(piece)
            if budget.total <= max_bytes:
                continue
        overflow = taken.pop()
        rendered.pop()
        break
    meta = replace(meta, max_description=max_description)
    if overflow is None:
        return FittedCalendar(assemble(meta, rendered), len(rendered), None)
    return _cut(meta, taken, rendered, overflow, max_bytes, notice)


def _cut(
    meta: CalendarMeta,
    taken: list[FeedEvent],
    rendered: list[RenderedEvent],
    overflow: FeedEvent,
    max_bytes: int,
    notice: Callable[[date], str],
) -> FittedCalendar:
    """The longest start of the events that fits next to the notice, ended at a day boundary:
    a subscriber then has every event up to the day the notice names."""
    day_out = _day(overflow)
    while True:
        kept = sum(1 for event in taken if _day(event) < day_out)
        if kept:
            until = day_out - timedelta(days=1)
        else:  # the first day alone is over the cap: as much of it as fits
            until = day_out
            kept = sum(1 for event in taken if _day(event) <= day_out)
        taken, rendered = taken[:kept], rendered[:kept]
        described = replace(meta, description=_joined(meta.description, notice(until)))
        body = assemble(described, rendered)
        if len(body) <= max_bytes or not rendered:
            return FittedCalendar(body, kept, until)
        if until == day_out:
            taken, rendered = taken[:-1], rendered[:-1]
        else:  # the notice takes room too: leave out the last day kept
            day_out = _day(taken[-1])


def _day(event: FeedEvent) -> date:
    return event.start_dt.astimezone(UTC).date()


def _joined(description: str, notice: str) -> str:
    return f"{description} {notice}".strip() if notice else description
