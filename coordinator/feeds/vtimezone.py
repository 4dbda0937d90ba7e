"""VTIMEZONE components built from zoneinfo, one observance per transition.

icalendar's own builder puts every transition on one comma-separated RDATE (ical.js and vobject
read only the first value, so summer times come out an hour off) and steps over short windows such
as Morocco's Ramadan change. Here every transition gets its own STANDARD/DAYLIGHT observance whose
single DTSTART is its onset, found by scanning the range in small steps and bisecting to the second.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# No zone changes offset twice within six hours; Casablanca's shortest window is weeks long.
SCAN_STEP = timedelta(hours=6)
_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/Universal", "Etc/Zulu", "Universal", "Zulu"})


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=1024)
def zone_for(tzid: str) -> ZoneInfo | None:
    """The zone to write times in, or None when times must be written in UTC (Z)."""
    if not tzid or tzid in _UTC_NAMES or tzid not in _known_zones():
        return None
    try:
        return ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _state(zone: ZoneInfo, moment: datetime) -> tuple[timedelta, bool, str]:
    local = moment.astimezone(zone)
    return local.utcoffset() or timedelta(0), bool(local.dst()), local.tzname() or ""


def transitions(zone: ZoneInfo, start: datetime, end: datetime):
    """Yield (instant, old_state, new_state) for every change of offset, DST flag or name."""
    moment = start
    state = _state(zone, moment)
    while moment < end:
        following = min(moment + SCAN_STEP, end)
        new_state = _state(zone, following)
        if new_state != state:
            low, high = moment, following  # state(low) == state, state(high) != state
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if middle <= low:
                    break
                if _state(zone, middle) == state:
                    low = middle
                else:
                    high = middle
            yield high, state, _state(zone, high)
            state = _state(zone, high)
            moment = high
        else:
            moment = following


def format_offset(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def _observance(onset_local: datetime, old: tuple, new: tuple) -> list[str]:
    kind = "DAYLIGHT" if new[1] else "STANDARD"
    lines = [
        f"BEGIN:{kind}",
        f"DTSTART:{onset_local:%Y%m%dT%H%M%S}",
        f"TZOFFSETFROM:{format_offset(old[0])}",
        f"TZOFFSETTO:{format_offset(new[0])}",
    ]
    if new[2]:
        lines.append(f"TZNAME:{_tzname(new[2])}")
    lines.append(f"END:{kind}")
    return lines


def _tzname(name: str) -> str:
    # TZNAME is TEXT; zone abbreviations are short ASCII, but escape defensively.
    return name.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")


@lru_cache(maxsize=512)
def vtimezone_lines(tzid: str, first_year: int, last_year: int) -> tuple[str, ...]:
    """Unfolded VTIMEZONE lines covering 1 January first_year to 1 January last_year + 1."""
    zone = zone_for(tzid)
    if zone is None:
        raise ValueError(f"no VTIMEZONE for {tzid!r}: times in it are written in UTC")
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    initial = _state(zone, start)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tzid}"]
    # The observance in force at the start of the range, so every time in range is covered.
    lines += _observance((start + initial[0]).replace(tzinfo=None), initial, initial)
    for instant, old, new in transitions(zone, start, end):
        # DTSTART of an observance is the onset in the local time that was in force before it.
        lines += _observance((instant + old[0]).replace(tzinfo=None), old, new)
    lines.append("END:VTIMEZONE")
    return tuple(lines)
