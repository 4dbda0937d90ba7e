"""VTIMEZONE components built from zoneinfo, one observance per transition.

icalendar's own builder puts every transition on one comma-separated RDATE (ical.js and vobject
read only the first value, so summer times come out an hour off) and steps over short windows such
as Morocco's Ramadan change. Here every transition gets its own STANDARD/DAYLIGHT observance whose
single DTSTART is its onset, found by scanning the range in small steps and bisecting to the second.
The observances are computed here; icalendar's Timezone components write them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

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


@dataclass(frozen=True, slots=True)
class Observance:
    """One STANDARD or DAYLIGHT observance: its onset in the local time in force before it."""

    onset_local: datetime
    offset_from: timedelta
    offset_to: timedelta
    is_daylight: bool
    name: str


# A zone's state is first compared a week apart, and the weeks where it differs are scanned in
# SCAN_STEPs: no zone leaves a state and comes back to it within a week (tests/feeds/
# test_timezones.py checks every zone over the years feeds write). Each year of a zone is
# scanned once per process, whatever ranges feeds ask for.
COARSE_STEP = timedelta(days=7)


def _year_transitions(zone: ZoneInfo, start: datetime, end: datetime):
    """transitions() over [start, end], comparing states a COARSE_STEP apart first."""
    moment = start
    state = _state(zone, moment)
    while moment < end:
        following = min(moment + COARSE_STEP, end)
        if _state(zone, following) != state:
            for found in transitions(zone, moment, following):
                yield found
                state = found[2]
        moment = following


@lru_cache(maxsize=2048)
def _transitions_in_year(tzid: str, year: int) -> tuple:
    zone = zone_for(tzid)
    start = datetime(year, 1, 1, tzinfo=UTC)
    return tuple(_year_transitions(zone, start, datetime(year + 1, 1, 1, tzinfo=UTC)))


@lru_cache(maxsize=512)
def observances(tzid: str, first_year: int, last_year: int) -> tuple[Observance, ...]:
    """The observances covering 1 January first_year to 1 January last_year + 1 (UTC)."""
    zone = zone_for(tzid)
    if zone is None:
        raise ValueError(f"no VTIMEZONE for {tzid!r}: times in it are written in UTC")
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    initial = _state(zone, start)
    # The observance in force at the start of the range, so every time in range is covered.
    result = [_observance((start + initial[0]).replace(tzinfo=None), initial, initial)]
    for year in range(first_year, last_year + 1):
        for instant, old, new in _transitions_in_year(tzid, year):
            # DTSTART of an observance is the onset in the local time in force before it.
            result.append(_observance((instant + old[0]).replace(tzinfo=None), old, new))
    return tuple(result)


def _observance(onset_local: datetime, old: tuple, new: tuple) -> Observance:
    return Observance(onset_local, old[0], new[0], new[1], new[2])


def vtimezone_component(tzid: str, first_year: int, last_year: int) -> Timezone:
    """The VTIMEZONE as an icalendar component: one observance per transition, each with its
    single DTSTART (never icalendar's one comma-separated RDATE, which ical.js and vobject read
    only the first value of)."""
    timezone = Timezone()
    timezone.add("tzid", tzid)
    for observance in observances(tzid, first_year, last_year):
        part = TimezoneDaylight() if observance.is_daylight else TimezoneStandard()
        part.add("dtstart", observance.onset_local)
        part.add("tzoffsetfrom", observance.offset_from)
        part.add("tzoffsetto", observance.offset_to)
        if observance.name:
            part.add("tzname", observance.name)
        timezone.add_component(part)
    return timezone


def vtimezone_lines(tzid: str, first_year: int, last_year: int) -> tuple[str, ...]:
    """Unfolded VTIMEZONE content lines covering 1 January first_year to 1 January
    last_year + 1, as the component writes them."""
    component = vtimezone_component(tzid, first_year, last_year)
    return tuple(str(line) for line in component.content_lines(sorted=False) if line)
