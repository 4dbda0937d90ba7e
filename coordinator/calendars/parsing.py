"""Read a partner's iCalendar export into plain occurrences: UTC instants, text, a key.

Pure: no Flask, no database. What real producers write is handled here:
- Outlook/Exchange name zones the Windows way ("W. Europe Standard Time"): mapped to IANA with
  CLDR's windowsZones table, which icalendar ships (icalendar.timezone.windows_to_olson);
  the IANA rules then decide the offset, not the VTIMEZONE (Outlook's states one year's rule);
- Google writes UTC times plus X-WR-TIMEZONE (x-wr-timezone moves them into that zone, so a
  weekly series keeps its local hour across a DST change) and all-day DTENDs that are exclusive;
- floating times (no zone) are read in the source's declared zone, else the partner's, and
  each occurrence says so (`floating_zone`);
- DURATION instead of DTEND, RRULE/RDATE/EXDATE and overridden occurrences (RECURRENCE-ID),
  expanded inside the import window by recurring-ical-events.
A calendar that cannot be read at all raises CalendarError with a sentence for the partner; an
event that cannot be read is skipped with its own sentence (`ParseResult.problems`).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import icalendar
import nh3
import recurring_ical_events
import x_wr_timezone
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

# Fields an import writes on an event (and compares with what it wrote last time).
IMPORTED_FIELDS = (
    "title",
    "description",
    "venue",
    "online_url",
    "timezone",
    "is_all_day",
    "start_dt",
    "end_dt",
    "start_date",
    "end_date",
)

MAX_TITLE = 200
MAX_VENUE = 200
MAX_URL = 500
MAX_DESCRIPTION = 20_000
# Series repeating faster than daily are not joint events, and expanding a FREQ=SECONDLY rule
# over a year would take minutes: they are skipped with a reason.
_TOO_FREQUENT = {"SECONDLY", "MINUTELY", "HOURLY"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_SINGLE_LINE = re.compile(r"\s*[\r\n]+\s*")


class CalendarError(Exception):
    """The whole calendar is unusable; the message says why, in words for the partner."""


@dataclass(frozen=True)
class Occurrence:
    """One event (or one occurrence of a series) as coordinator will store it."""

    uid: str
    recurrence_id: str  # "" for a single event; the occurrence's original start otherwise
    sequence: int
    is_cancelled: bool
    categories: tuple[str, ...]
    title: str
    description: str
    venue: str
    online_url: str
    timezone: str  # IANA
    is_all_day: bool
    start_dt: datetime  # UTC
    end_dt: datetime  # UTC, after start_dt
    start_date: date | None  # all-day: the first day
    end_date: date | None  # all-day: the last day, inclusive
    floating_zone: str = ""  # set when the source gave no zone and this one was assumed

    @property
    def key(self) -> tuple[str, str]:
        return (self.uid, self.recurrence_id)

    def values(self) -> dict[str, object]:
        """The imported fields as JSON values (ISO strings for times and dates)."""
        return {name: _json(getattr(self, name)) for name in IMPORTED_FIELDS}


@dataclass
class ParseResult:
    occurrences: list[Occurrence] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one sentence per skipped event
    declared_zone: str = ""  # the calendar's own zone (X-WR-TIMEZONE), when it names one


def _json(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Window:
    start: datetime  # UTC
    end: datetime  # UTC


# --- Bytes to a calendar ---------------------------------------------------------------------


def decode(payload: bytes) -> str:
    """The text of an export: UTF-8 (a BOM is dropped), else a CalendarError naming the byte."""
    try:
        return payload.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CalendarError(
            f"The file is not UTF-8 text: byte 0x{payload[error.start]:02X} at position "
            f"{error.start} cannot be read. Export the calendar again as UTF-8."
        ) from None


def read_calendar(payload: bytes) -> icalendar.Calendar:
    """Parse the bytes of an .ics file into one VCALENDAR, or raise CalendarError."""
    text = decode(payload)
    if "BEGIN:VCALENDAR" not in text[:4096].upper():
        raise CalendarError(
            "This is not an iCalendar file: it does not begin with BEGIN:VCALENDAR."
        )
    _check_depth(text)
    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except RecursionError:
        raise CalendarError("The calendar nests components too deeply to be read.") from None
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise CalendarError(f"The calendar could not be read: {_short(error)}.") from None
    if not calendars or calendars[0].name != "VCALENDAR":
        raise CalendarError("The file holds no VCALENDAR.")
    return calendars[0]


MAX_DEPTH = 8  # VCALENDAR > VEVENT > VALARM is 3; nothing real goes past a handful


def _check_depth(text: str) -> None:
    depth = 0
    for match in re.finditer(r"(?im)^(BEGIN|END):", text):
        depth += 1 if match.group(1).upper() == "BEGIN" else -1
        if depth > MAX_DEPTH:
            raise CalendarError("The calendar nests components too deeply to be read.")


def _short(error: Exception) -> str:
    return str(error).splitlines()[0][:200] if str(error) else type(error).__name__


# --- Zones -----------------------------------------------------------------------------------

_IANA: frozenset[str] = frozenset()


def _iana_names() -> frozenset[str]:
    global _IANA
    if not _IANA:
        _IANA = frozenset(available_timezones())
    return _IANA


def iana_zone(tzid: str | None) -> str | None:
    """The IANA name a TZID stands for: itself, its CLDR mapping (Windows names), or None."""
    if not tzid:
        return None
    name = tzid.strip().strip('"')
    if name in ("UTC", "GMT", "Z"):
        return "UTC"
    if name in _iana_names():
        return name
    mapped = WINDOWS_TO_OLSON.get(name)
    if mapped and mapped in _iana_names():
        return mapped
    # Some exporters prefix a path ("/mozilla.org/20050126_1/Europe/Paris").
    for size in (3, 2):
        tail = "/".join(name.split("/")[-size:])
        if tail in _iana_names():
            return tail
    return None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# --- Text --------------------------------------------------------------------------------------


def clean_text(value, limit: int, single_line: bool = False) -> str:
    """Unescaped iCalendar text, NFC, without control characters, bounded in length."""
    if value is None:
        return ""
    text = str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()
    if single_line:
        text = _SINGLE_LINE.sub(" ", text)
    return text[:limit].strip()


def html_to_text(markup: str) -> str:
    """The words of an X-ALT-DESC: every tag and attribute removed by nh3, entities decoded."""
    markup = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>", "\n", markup)
    stripped = nh3.clean(markup, tags=set(), attributes={}, strip_comments=True)
    return html.unescape(stripped)


def _description(component) -> str:
    plain = clean_text(component.get("DESCRIPTION"), MAX_DESCRIPTION)
    if plain:
        return plain
    alt = component.get("X-ALT-DESC")
    if alt is not None and str(alt.params.get("FMTTYPE", "")).lower() == "text/html":
        return clean_text(html_to_text(str(alt)), MAX_DESCRIPTION)
    return ""


_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


def _online_url(component) -> str:
    for name in (
        "X-GOOGLE-CONFERENCE",
        "X-MICROSOFT-SKYPETEAMSMEETINGURL",
        "X-MICROSOFT-ONLINEMEETINGCONFLINK",
        "CONFERENCE",
        "URL",
    ):
        value = component.get(name)
        if value is None:
            continue
        text = clean_text(value, MAX_URL, single_line=True)
        if _URL.fullmatch(text):
            return text
    return ""


def _categories(component) -> tuple[str, ...]:
    values = component.get("CATEGORIES")
    if values is None:
        return ()
    found: list[str] = []
    for prop in values if isinstance(values, list) else [values]:
        cats = getattr(prop, "cats", None)
        if cats is None:
            cats = str(prop.to_ical().decode() if hasattr(prop, "to_ical") else prop).split(",")
        found.extend(clean_text(c, 100, single_line=True) for c in cats)
    return tuple(c for c in found if c)


# --- Times -------------------------------------------------------------------------------------


class _Skip(Exception):
    pass


def _localise(value, prop, fallback_zone: str) -> tuple[datetime, str, bool]:
    """An aware datetime in an IANA zone, that zone, and whether the time was floating."""
    tzid = prop.params.get("TZID") if prop is not None else None
    if tzid:
        name = iana_zone(str(tzid))
        if name is None:
            if value.tzinfo is None:
                raise _Skip(
                    f"its time zone “{clean_text(tzid, 64, True)}” is unknown "
                    "and the file does not define it"
                )
            # A custom zone defined only by its VTIMEZONE: trust icalendar's reading of it.
            return value.astimezone(UTC), fallback_zone, False
        return value.replace(tzinfo=_zone(name)), name, False
    if value.tzinfo is None:
        return value.replace(tzinfo=_zone(fallback_zone)), fallback_zone, True
    key = getattr(value.tzinfo, "key", None)
    if key and key in _iana_names():
        return value, key, False
    return value.astimezone(UTC), "UTC", False


def _occurrence(component, default_zone: str, declared_zone: str) -> Occurrence:
    uid = clean_text(component.get("UID"), 255, single_line=True)
    if not uid:
        raise _Skip("it has no UID")
    start_prop = component.get("DTSTART")
    if start_prop is None:
        raise _Skip("it has no start (DTSTART)")
    start = start_prop.dt
    end_prop = component.get("DTEND")
    duration = component.get("DURATION")
    fallback = declared_zone or default_zone
    floating = ""
    if isinstance(start, datetime):
        local_start, zone, was_floating = _localise(start, start_prop, fallback)
        if end_prop is not None and isinstance(end_prop.dt, datetime):
            local_end, _z, _f = _localise(end_prop.dt, end_prop, fallback)
        elif duration is not None:
            local_end = local_start + duration.dt
        else:
            local_end = local_start
        start_dt, end_dt = local_start.astimezone(UTC), local_end.astimezone(UTC)
        if end_dt <= start_dt:  # RFC 5545: no end means it ends when it starts
            end_dt = start_dt + timedelta(hours=1) if end_dt == start_dt else end_dt
        if end_dt <= start_dt:
            raise _Skip("it ends before it starts")
        if was_floating:
            floating = zone
        return _build(component, uid, zone, False, start_dt, end_dt, None, None, floating)
    if not isinstance(start, date):
        raise _Skip("its start is not a date or a time")
    # All-day: DTEND is exclusive (Google writes the day after the last).
    if (
        end_prop is not None
        and isinstance(end_prop.dt, date)
        and not isinstance(end_prop.dt, datetime)
    ):
        after_last = end_prop.dt
    elif duration is not None:
        after_last = start + timedelta(days=max(duration.dt.days, 1))
    else:
        after_last = start + timedelta(days=1)
    if after_last <= start:
        after_last = start + timedelta(days=1)
    zone = fallback
    tz = _zone(zone)
    start_dt = _midnight(start, tz)
    end_dt = _midnight(after_last, tz)
    return _build(
        component, uid, zone, True, start_dt, end_dt, start, after_last - timedelta(days=1), ""
    )


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    naive = datetime.combine(day, time(0, 0))
    moment = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if moment.astimezone(zone).date() != day:
        moment = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return moment


def _build(component, uid, zone, is_all_day, start_dt, end_dt, first, last, floating) -> Occurrence:
    title = clean_text(component.get("SUMMARY"), MAX_TITLE, single_line=True) or "(untitled)"
    status = str(component.get("STATUS", "")).strip().upper()
    try:
        sequence = int(component.get("SEQUENCE", 0))
    except (TypeError, ValueError):
        sequence = 0
    return Occurrence(
        uid=uid,
        recurrence_id="",
        sequence=sequence,
        is_cancelled=status in ("CANCELLED", "CANCELED"),
        categories=_categories(component),
        title=title,
        description=_description(component),
        venue=clean_text(component.get("LOCATION"), MAX_VENUE, single_line=True),
        online_url=_online_url(component),
        timezone=zone,
        is_all_day=is_all_day,
        start_dt=start_dt,
        end_dt=end_dt,
        start_date=first,
        end_date=last,
        floating_zone=floating,
    )


def _recurrence_key(value) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.isoformat()
        return value.astimezone(UTC).isoformat()
    return value.isoformat()


# --- The whole calendar ------------------------------------------------------------------------


def parse(
    payload: bytes | icalendar.Calendar,
    window: Window,
    default_zone: str = "UTC",
    max_occurrences: int = 2000,
) -> ParseResult:
    """The occurrences of every event inside the window, or CalendarError."""
    calendar = payload if isinstance(payload, icalendar.Calendar) else read_calendar(payload)
    result = ParseResult()
    declared = iana_zone(str(calendar.get("X-WR-TIMEZONE", "")) or None) or ""
    result.declared_zone = declared
    try:
        # Floating starts, noted before x-wr-timezone gives them the declared zone.
        floating_uids = {
            str(event.get("UID", ""))
            for event in calendar.walk("VEVENT")
            if "DTSTART" in event
            and isinstance(event["DTSTART"].dt, datetime)
            and event["DTSTART"].dt.tzinfo is None
            and "TZID" not in event["DTSTART"].params
        }
        if declared:
            calendar = x_wr_timezone.to_standard(calendar)
        events = list(calendar.walk("VEVENT"))
    except RecursionError:
        raise CalendarError("The calendar nests components too deeply to be read.") from None
    except Exception as error:  # noqa: BLE001 - a library choking on hostile input
        raise CalendarError(f"The calendar could not be read: {_short(error)}.") from None
    if not events:
        return result
    recurring: set[str] = set()
    defined = {str(tz.get("TZID", "")) for tz in calendar.walk("VTIMEZONE")}
    unknown: dict[str, str] = {}
    for event in events:
        for name in ("DTSTART", "DTEND"):
            tzid = event[name].params.get("TZID") if name in event else None
            if tzid and iana_zone(str(tzid)) is None and str(tzid) not in defined:
                unknown[str(event.get("UID", ""))] = clean_text(tzid, 64, single_line=True)
        rule = event.get("RRULE")
        if rule is not None:
            freqs = {str(f).upper() for f in (rule.get("FREQ") or [])}
            if freqs & _TOO_FREQUENT:
                result.problems.append(
                    f"“{clean_text(event.get('SUMMARY'), 80, True)}” repeats more than once a "
                    "day and was not imported"
                )
                event.pop("RRULE")
        if "RRULE" in event or "RDATE" in event or "RECURRENCE-ID" in event:
            recurring.add(str(event.get("UID", "")))
    try:
        query = recurring_ical_events.of(calendar, skip_bad_series=True)
        components = []
        start = window.start.astimezone(UTC)
        end = window.end.astimezone(UTC)
        for series in query.series:
            left = max_occurrences + 1 - len(components)
            for occurrence in islice(series.between(start, end), left):
                components.append(occurrence.as_component(False))
            if len(components) > max_occurrences:
                break
    except RecursionError:
        raise CalendarError("The calendar nests components too deeply to be read.") from None
    except Exception as error:  # noqa: BLE001 - the recurrence library on hostile input
        raise CalendarError(
            f"The repeating events could not be expanded: {_short(error)}."
        ) from None
    if len(components) > max_occurrences:
        raise CalendarError(
            f"The calendar has more than {max_occurrences:,} events in the import window. "
            "Add a keyword or category filter so only the network's events come in."
        )
    for component in components:
        summary = clean_text(component.get("SUMMARY"), 80, single_line=True) or "(untitled)"
        zone_name = unknown.get(str(component.get("UID", "")))
        if zone_name is not None:
            result.problems.append(
                f"“{summary}” was skipped: its time zone “{zone_name}” is unknown and the "
                "file has no VTIMEZONE for it"
            )
            continue
        try:
            occurrence = _occurrence(component, default_zone, declared)
        except _Skip as reason:
            result.problems.append(f"“{summary}” was skipped: {reason}")
            continue
        except (ValueError, TypeError, OverflowError, AttributeError) as error:
            result.problems.append(f"“{summary}” was skipped: {_short(error)}")
            continue
        if occurrence.uid in floating_uids and not occurrence.is_all_day:
            occurrence = replace(occurrence, floating_zone=occurrence.timezone)
        if occurrence.uid in recurring:
            rid = component.get("RECURRENCE-ID")
            value = rid.dt if rid is not None else component["DTSTART"].dt
            occurrence = _with_recurrence_id(occurrence, _recurrence_key(value))
        result.occurrences.append(occurrence)
    result.occurrences.sort(key=lambda o: (o.start_dt, o.uid, o.recurrence_id))
    return result


def _with_recurrence_id(occurrence: Occurrence, rid: str) -> Occurrence:
    return replace(occurrence, recurrence_id=rid)
