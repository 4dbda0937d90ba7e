"""The calendar dates coordinator accepts, in forms, filters and time-zone arithmetic.

Python's dates end at years 1 and 9999, and a local time there plus a zone's offset (up to
±14 hours) or the day after falls off the end: an OverflowError, a 500. The network plans
present-day activities; 1900 to 2199 holds any real event or project, its archive and its
long-term plans, and stays centuries away from those ends in every zone.
"""

from __future__ import annotations

from datetime import date

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def is_supported_date(day: date) -> bool:
    return EARLIEST_DATE <= day <= LATEST_DATE
