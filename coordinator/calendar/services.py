"""Which events fall on which local day of a month, loaded in one query."""

from __future__ import annotations

import calendar as std_calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Row, Select, or_, select
from sqlalchemy.orm import selectinload

from coordinator.activities.filters import EventFilters
from coordinator.activities.models import Event
from coordinator.activities.permissions import published_events_clause
from coordinator.activities.queries import (
    Cursor,
    KeysetPage,
    filter_options,
    keyset_page,
    overlapping,
    running_after,
)
from coordinator.extensions import db
from coordinator.i18n import zone_info

# Local days differ from UTC days by at most 14 hours (UTC-12 to UTC+14): widen the
# UTC window by a day on each side, then place events by their own local dates.
_ZONE_MARGIN = timedelta(days=1)
MIN_YEAR, MAX_YEAR = 1970, 2200
# A month cell shows this many events, then "+N more" linking to the day's agenda.
DAY_LIMIT = 3
AGENDA_PAGE_SIZE = 50


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def containing(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, raw: str | None) -> Month | None:
        """ "2026-11" into a Month; None for anything else."""
        if not raw or len(raw) > 7:
            return None
        year_text, _, month_text = raw.partition("-")
        if not (year_text.isdigit() and month_text.isdigit()):
            return None
        year, month = int(year_text), int(month_text)
        if not is_valid_month(year, month):
            return None
        return cls(year, month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, std_calendar.monthrange(self.year, self.month)[1])

    @property
    def previous(self) -> Month:
        return Month.containing(self.first_day - timedelta(days=1))

    @property
    def next(self) -> Month:
        return Month.containing(self.last_day + timedelta(days=1))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def is_valid_month(year: int, month: int) -> bool:
    # Stay inside the years datetime and the neighbour links can handle.
    return MIN_YEAR < year < MAX_YEAR and 1 <= month <= 12


def parse_day(raw: str | None) -> date | None:
    """ "2026-11-05" into a date inside the calendar's years; None for anything else."""
    if not raw or len(raw) != 10:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return day if is_valid_month(day.year, day.month) else None


def month_weeks(month: Month, first_weekday: int = 0) -> list[list[date]]:
    """Whole weeks covering the month (days of neighbouring months included)."""
    return std_calendar.Calendar(first_weekday).monthdatescalendar(month.year, month.month)


@dataclass
class CalendarEntry:
    """One event on one local day; `continues` marks the days after its first."""

    event: Event
    day: date
    continues: bool = False


@dataclass
class DaySchedule:
    entries: dict[date, list[CalendarEntry]] = field(default_factory=lambda: defaultdict(list))

    def on(self, day: date) -> list[CalendarEntry]:
        return self.entries.get(day, [])

    def days(self) -> list[date]:
        return sorted(day for day, items in self.entries.items() if items)

    @property
    def event_count(self) -> int:
        return len({entry.event.id for items in self.entries.values() for entry in items})


def local_days(event: Event) -> tuple[date, date]:
    """The first and last day the event covers in its own time zone."""
    if event.is_all_day and event.start_date and event.end_date:
        return event.start_date, event.end_date
    zone = zone_info(event.timezone)
    first = event.start_dt.astimezone(zone).date()
    # An event ending at local midnight does not occupy the next day.
    last = (event.end_dt - timedelta(microseconds=1)).astimezone(zone).date()
    return first, max(first, last)


def _utc_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _window_query(user, filters: EventFilters) -> Select:
    # The page chooses the dates; the filters only narrow partner, project, theme, country, kind.
    undated = EventFilters(**{**filters.__dict__, "start": None, "end": None})
    return undated.apply(select(Event).where(published_events_clause(user)))


def _window(first_day: date, last_day: date) -> list:
    """Events that may touch [first_day, last_day] locally, as index-served parts."""
    return overlapping(
        _utc_midnight(first_day) - _ZONE_MARGIN,
        _utc_midnight(last_day + timedelta(days=1)) + _ZONE_MARGIN,
    )


def visible_spans(user, filters: EventFilters, first_day: date, last_day: date) -> list[Row]:
    """When each visible event of the window runs: id and times only, in one query (no
    descriptions, no objects), enough to place and count the events of every day."""
    query = _window_query(user, filters).with_only_columns(*SPAN_COLUMNS)
    return list(db.session.execute(query.where(or_(*_window(first_day, last_day)))))


SPAN_COLUMNS = (
    Event.id,
    Event.start_dt,
    Event.end_dt,
    Event.timezone,
    Event.is_all_day,
    Event.start_date,
    Event.end_date,
)


def agenda_opening_month(user, filters: EventFilters, now: datetime) -> Month:
    """The month the agenda opens on: today's, unless no event is left in it (late in the
    month); then the month of the next event that has not ended yet."""
    today = now.astimezone(UTC).date()
    query = EventFilters(**{**filters.__dict__, "start": None, "end": None}).apply(
        select(Event).where(published_events_clause(user))
    )
    # The first event not ended, read along the start index from a month back and among the
    # few long-running ones, not from the network's first event on. Both parts are always read
    # (the page's query count does not depend on the data).
    found = [
        db.session.scalars(
            query.where(part, Event.end_dt > now).order_by(Event.start_dt, Event.id).limit(1)
        ).first()
        for part in running_after(now)
    ]
    upcoming = min(
        (event for event in found if event is not None),
        key=lambda event: (event.start_dt, event.id),
        default=None,
    )
    if upcoming is None:
        return Month.containing(today)
    return Month.containing(max(today, local_days(upcoming)[0]))


def schedule(events: list[Event], first_day: date, last_day: date) -> DaySchedule:
    """Place each event on every local day it covers inside [first_day, last_day]."""
    result = DaySchedule()
    for event in events:
        start, end = local_days(event)
        day = max(start, first_day)
        while day <= min(end, last_day):
            result.entries[day].append(CalendarEntry(event=event, day=day, continues=day > start))
            day += timedelta(days=1)
    for items in result.entries.values():
        # All-day and multi-day entries first, then by start time.
        items.sort(key=lambda e: (not (e.continues or e.event.is_all_day), e.event.start_dt))
    return result


@dataclass
class MonthGrid:
    """The month's day cells, each with at most `limit` events and how many more it has."""

    schedule: DaySchedule
    more: dict[date, int]
    month_event_count: int


def month_grid(
    user, filters: EventFilters, weeks: list[list[date]], month: Month, limit: int = DAY_LIMIT
) -> MonthGrid:
    """Every day of the grid with its first `limit` events (loaded in one query) and a count
    of the others; the cost follows the number of cells, not of events."""
    first, last = weeks[0][0], weeks[-1][-1]
    spans = visible_spans(user, filters, first, last)
    placed = schedule(spans, first, last)
    in_month = schedule(spans, month.first_day, month.last_day)
    shown = {day: items[:limit] for day, items in placed.entries.items()}
    ids = sorted({entry.event.id for items in shown.values() for entry in items})
    events = {
        event.id: event
        for event in db.session.scalars(
            select(Event).where(Event.id.in_(ids)).options(selectinload(Event.lead_partner))
        )
    }
    grid = DaySchedule()
    for day, items in shown.items():
        grid.entries[day] = [
            CalendarEntry(event=events[entry.event.id], day=day, continues=entry.continues)
            for entry in items
        ]
    more = {day: len(items) - limit for day, items in placed.entries.items() if len(items) > limit}
    return MonthGrid(grid, more, in_month.event_count)


@dataclass
class AgendaPage:
    schedule: DaySchedule
    page: KeysetPage


def agenda_page(
    user,
    filters: EventFilters,
    first_day: date,
    last_day: date,
    after: Cursor | None = None,
    before: Cursor | None = None,
) -> AgendaPage:
    """AGENDA_PAGE_SIZE events of [first_day, last_day] in start order from the cursor, placed
    on their local days."""
    page = keyset_page(
        _window_query(user, filters),
        _window(first_day, last_day),
        descending=False,
        after=after,
        before=before,
        per_page=AGENDA_PAGE_SIZE,
        options=[selectinload(Event.lead_partner)],
        counted=False,
    )
    return AgendaPage(schedule(page.items, first_day, last_day), page)


@dataclass
class FilterChoices:
    """The options of the filter form, as the events list offers them."""

    partners: list[tuple[str, str]]
    projects: list[tuple[str, str]]
    themes: list[tuple[str, str]]
    countries: list[str]


def filter_choices(user) -> FilterChoices:
    options = filter_options(user)
    return FilterChoices(
        options["partner"],
        options["project"],
        options["theme"],
        [code for code, _name in options["country"]],
    )
