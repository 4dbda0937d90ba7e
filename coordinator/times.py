"""Local wall-clock times to UTC instants, refusing the ones a time zone skips or repeats."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import dates as babel_dates
from babel.core import get_global
from flask_babel import get_locale
from flask_babel import gettext as _

from coordinator import i18n
from coordinator.dates import EARLIEST_DATE, LATEST_DATE, is_supported_date


class LocalTimeError(ValueError):
    """A local time that cannot name exactly one instant; the message is shown on the form."""


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """IANA zones offered in forms (the 'posix/' and 'right/' aliases left out)."""
    return tuple(sorted(n for n in available_timezones() if not n.startswith(("posix", "right"))))


def is_known_zone(name: str | None) -> bool:
    return bool(name) and name in zone_names()


@lru_cache(maxsize=1)
def _one_zone_per_place() -> tuple[str, ...]:
    # Babel's aliases (Egypt, Europe/Kiev, US/Pacific) would repeat a city under another name,
    # and the Etc/ zones have no place to name them by.
    aliases = get_global("zone_aliases")
    places = (
        name
        for name in zone_names()
        if "/" in name and not name.startswith(("Etc/", "SystemV/")) and name not in aliases
    )
    return ("UTC", *places)


def offered_zones(current: str | None = None) -> tuple[str, ...]:
    """The zones a form lists: one per place, and UTC. A known zone already chosen (a legacy
    alias saved before) stays listed, so saving the form again never changes it silently."""
    zones = _one_zone_per_place()
    if current not in zones and is_known_zone(current):
        return (*zones, current)
    return zones


def get_zone(name: str) -> ZoneInfo:
    if not is_known_zone(name):
        raise LocalTimeError(
            _("“%(zone)s” is not a time zone we know; choose one from the list.", zone=name[:64])
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:  # tzdata missing the key
        raise LocalTimeError(_("This time zone is not available; choose another.")) from error


def check_supported_date(day: date) -> None:
    """Refuse a date outside coordinator's years: near years 1 and 9999 a zone's offset or the
    next day would leave the range Python's datetime can hold (an OverflowError)."""
    if not is_supported_date(day):
        raise LocalTimeError(
            _(
                "Choose a date between %(first)s and %(last)s.",
                first=EARLIEST_DATE.year,
                last=LATEST_DATE.year,
            )
        )


def local_to_utc(day: date, clock: time, zone_name: str) -> datetime:
    """The UTC instant of a local date and time in zone_name.

    Raises LocalTimeError when the time falls in a DST gap (it never happens) or in a
    DST fold (it happens twice), because guessing would put the event at the wrong hour,
    and for a date outside coordinator's years.
    """
    check_supported_date(day)
    zone = get_zone(zone_name)
    naive = datetime.combine(day, clock.replace(tzinfo=None, fold=0))
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    # A time in the gap does not survive the round trip through UTC.
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise LocalTimeError(
            _(
                "%(time)s on %(date)s does not exist in %(zone)s: the clocks go forward then. "
                "Choose a time outside the skipped hour.",
                **_when(day, clock, zone_name),
            )
        )
    if first.utcoffset() != second.utcoffset():
        raise LocalTimeError(
            _(
                "%(time)s on %(date)s happens twice in %(zone)s: the clocks go back then. "
                "Choose a time outside the repeated hour.",
                **_when(day, clock, zone_name),
            )
        )
    return first.astimezone(UTC)


def _when(day: date, clock: time, zone_name: str) -> dict[str, str]:
    """The wall-clock time, the date and the zone, as the page's language writes them."""
    return {
        "time": clock.strftime("%H:%M"),
        "date": babel_dates.format_date(day, "long", locale=get_locale() or "en"),
        "zone": i18n.zone_name(zone_name),
    }


def local_midnight_utc(day: date, zone_name: str) -> datetime:
    """Start of a local day as a UTC instant (midnight itself may be skipped by DST, e.g.
    in America/Santiago; then the day starts at the first instant that exists)."""
    check_supported_date(day)
    return _midnight_utc(day, get_zone(zone_name))


def _midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    naive = datetime.combine(day, time(0, 0))
    moment = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if moment.astimezone(zone).date() != day:  # midnight was skipped: take the gap's end
        moment = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return moment


def all_day_span(first_day: date, last_day: date, zone_name: str) -> tuple[datetime, datetime]:
    """UTC instants of the local midnight of the first day and of the day after the last."""
    check_supported_date(first_day)
    check_supported_date(last_day)  # the day after it stays far from datetime's last year
    zone = get_zone(zone_name)
    return _midnight_utc(first_day, zone), _midnight_utc(last_day + timedelta(days=1), zone)
