"""Which events fall on which local day of a month, loaded in one query."""

from __future__ import annotations

import calendar as std_calendar
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import (
    Integer,
    Row,
    and_,
    bindparam,
    case,
    cast,
    false,
    func,
    literal_column,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import ColumnElement

from coordinator.activities.cards import EventCard, EventTitle, load_event_cards, load_event_titles
from coordinator.activities.filters import EventFilters
from coordinator.activities.models import Event
from coordinator.activities.queries import (
    Cursor,
    KeysetPage,
    ListedEvents,
    ListedShape,
    Moments,
    filter_options,
    listed_shape,
    moment_parts,
    overlapping,
)
from coordinator.db import DAY, PLAN_EACH_RUN, UTCDateTime
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

    event: EventTitle | EventCard
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


def local_days(event: Event | EventTitle | EventCard | Row) -> tuple[date, date]:
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


def window_events(user, filters: EventFilters) -> ListedEvents:
    return window_shape(user, filters).listed()


def window_shape(user, filters: EventFilters) -> ListedShape:
    # The page chooses the dates; the filters only narrow partner, project, theme, country, kind.
    # A partner's events are read by side (led, co-organised), each within the window along
    # its own index, where gathering all of them took 20 ms for the busiest partner at 50k.
    return listed_shape(user, EventFilters(**{**filters.__dict__, "start": None, "end": None}))


def _window_bounds(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """The UTC instants between which events may touch [first_day, last_day] locally."""
    return (
        _utc_midnight(first_day) - _ZONE_MARGIN,
        _utc_midnight(last_day + timedelta(days=1)) + _ZONE_MARGIN,
    )


def _window(first_day: date, last_day: date) -> list:
    """Events that may touch [first_day, last_day] locally, as index-served parts."""
    return overlapping(*_window_bounds(first_day, last_day))


def visible_spans(user, filters: EventFilters, first_day: date, last_day: date) -> list[Row]:
    """When each visible event of the window runs: id and times only, in one query (no
    descriptions, no objects), enough to place and count the events of every day."""
    listed = window_events(user, filters)
    query = listed.base.with_only_columns(*SPAN_COLUMNS)
    return list(db.session.execute(query.where(or_(*listed.parts(_window(first_day, last_day))))))


SPAN_COLUMNS = (
    Event.id,
    Event.start_dt,
    Event.end_dt,
    Event.timezone,
    Event.is_all_day,
    Event.start_date,
    Event.end_date,
)


def agenda_opening_month(listed: ListedEvents, now: datetime) -> Month:
    """The month the agenda of `listed` (window_events) opens on: today's, unless no event is
    left in it (late in the month); then the month of the next event that has not ended yet."""
    today = now.astimezone(UTC).date()
    moments = Moments.upcoming(now)
    options = {PLAN_EACH_RUN: listed.plan_each_run}
    found = db.session.execute(
        _opening_statement(listed.shape), moments.values, execution_options=options
    ).all()
    upcoming = min(found, key=lambda event: (event.start_dt, event.id), default=None)
    if upcoming is None:
        return Month.containing(today)
    return Month.containing(max(today, local_days(upcoming)[0]))


@functools.lru_cache(maxsize=256)
def _opening_statement(shape: ListedShape) -> Executable:
    """agenda_opening_month's statement: the first event of each part of the shape's events
    not ended at the moment (bound as Moments.upcoming's values), read along the start index
    from a day back and among the few longer ones (running_after), not from the network's
    first event on. Every part is always read (the page's query count does not depend on the
    data), in one statement (a UNION ALL of their first rows, each limited on its own), and
    only their spans (no event object, so no translations loaded with them). Built once per
    process for each shape, as the lists' (queries._seek_statement)."""
    listed = shape.listed()
    moment = bindparam("moment", type_=UTCDateTime())
    query = listed.base.with_only_columns(*SPAN_COLUMNS)
    firsts = [
        select(*first.c)
        for first in (
            query.where(part, Event.end_dt > moment)
            .order_by(Event.start_dt, Event.id)
            .limit(1)
            .subquery()
            for part in listed.parts(moment_parts("upcoming"))
        )
    ]
    return union_all(*firsts)


def schedule(events: list[EventCard], first_day: date, last_day: date) -> DaySchedule:
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


@dataclass(frozen=True)
class DayPlaces:
    """Which events a month grid shows: the first `limit` of each local day as (id, continues),
    every day's number of events, and the number of events touching the month itself."""

    shown: dict[date, list[tuple[int, bool]]]
    totals: dict[date, int]
    month_event_count: int


def day_order(continues: bool, is_all_day: bool, start: datetime, event_id: int) -> tuple:
    """The order of a day's events: all-day and continuing ones first, then by start (the id
    settles ties, so the cell shows the same few events on every request). `_placed_in_sql`
    spells the same order in SQL."""
    return (not (continues or is_all_day), start, event_id)


def place_spans(
    spans: list, first_day: date, last_day: date, month: Month, limit: int = DAY_LIMIT
) -> DayPlaces:
    """The first `limit` events of every local day in [first_day, last_day], from rows of
    SPAN_COLUMNS (no ORM objects): each span's local days are worked out once."""
    by_day: dict[date, list[tuple]] = defaultdict(list)
    in_month = 0
    one_day = timedelta(days=1)
    for span in spans:
        start, end = local_days(span)
        if start <= month.last_day and end >= month.first_day and start <= end:
            in_month += 1
        day = max(start, first_day)
        stop = min(end, last_day)
        while day <= stop:
            continues = day > start
            by_day[day].append(
                (day_order(continues, span.is_all_day, span.start_dt, span.id), span.id, continues)
            )
            day += one_day
    shown = {}
    for day, items in by_day.items():
        items.sort()
        shown[day] = [(event_id, continues) for _, event_id, continues in items[:limit]]
    return DayPlaces(shown, {day: len(items) for day, items in by_day.items()}, in_month)


def _local_day_columns() -> tuple[ColumnElement[date], ColumnElement[date]]:
    """local_days in PostgreSQL: an event's first and last local day."""
    dated = and_(Event.is_all_day, Event.start_date.is_not(None), Event.end_date.is_not(None))
    first = cast(func.timezone(Event.timezone, Event.start_dt), DAY)
    # An event ending at local midnight does not occupy the next day.
    last = cast(
        func.timezone(Event.timezone, Event.end_dt - literal_column("interval '1 microsecond'")),
        DAY,
    )
    return (
        case((dated, Event.start_date), else_=first),
        case((dated, Event.end_date), else_=func.greatest(first, last)),
    )


def _placed_in_sql(
    user, filters: EventFilters, first_day: date, last_day: date, month: Month, limit: int
) -> DayPlaces:
    """place_spans done by PostgreSQL in one statement (_placing_statement)."""
    last_n = (last_day - first_day).days
    window = Moments.overlapping(*_window_bounds(first_day, last_day))
    rows = db.session.execute(
        _placing_statement(window_shape(user, filters), last_n, limit),
        {
            "origin": first_day,
            **window.values,
            "month_first_n": (month.first_day - first_day).days,
            "month_last_n": (month.last_day - first_day).days,
        },
    ).all()
    grid_days = [first_day + timedelta(days=n) for n in range(last_n + 1)]
    shown: dict[date, list[tuple[int, bool]]] = defaultdict(list)
    totals: dict[date, int] = {}
    for n, event_id, day_continues, total, _ in rows:
        shown[grid_days[n]].append((event_id, day_continues))
        totals[grid_days[n]] = total
    # Every row carries the month's count; no row, no event in the grid nor in the month.
    return DayPlaces(dict(shown), totals, rows[0][4] if rows else 0)


@functools.lru_cache(maxsize=256)
def _placing_statement(shape: ListedShape, last_n: int, limit: int) -> Executable:
    """The statement placing the visible events of `shape` (window_shape) on a grid of
    last_n + 1 days: each event of the window joined to the grid's days it covers, ranked
    within each day by day_order, and only the first `limit` of a day returned, with the
    day's count and the month's. The rows returned follow the grid's cells, not the events
    (at 50k events ~1000 touch a month's grid).

    Bound: `origin` (the grid's first day), the window (Moments.overlapping's values, of
    _window_bounds), `month_first_n` and `month_last_n` (the month's first and last day, in
    days after the origin).

    Built once per process for each shape, grid length and limit: building it and its cache
    key cost 2.4 ms of Python, three times what running it costs Python."""
    first_local, last_local = _local_day_columns()
    origin = bindparam("origin", type_=DAY)
    # Local days as numbers of days after the grid's first (negative before it).
    # One branch per part of the window rather than their OR: each branch is then a range of
    # ix_events_status_start, which covers the columns read here (an index-only read, where an
    # OR of ranges has to fetch every row of the heap).
    listed = shape.listed()
    columns = listed.base.with_only_columns(
        Event.id,
        Event.start_dt,
        Event.is_all_day,
        (first_local - origin).label("first_n"),
        (last_local - origin).label("last_n"),
    )
    parts = listed.parts(moment_parts("overlapping"))
    spans = union_all(*(columns.where(part) for part in parts)).cte("spans")
    # Most events last a day: placed on it directly. The longer ones (a few) are joined to
    # the grid's days they cover, a constant series the planner knows the size of (a series
    # per span would be guessed at 1000 rows each, a guess that alone sets off JIT
    # compilation, ~300 ms). Materialised, so the join reads those few, not every span per day.
    one_day = select(
        spans.c.first_n.label("n"),
        spans.c.id,
        false().label("continues"),
        spans.c.is_all_day,
        spans.c.start_dt,
    ).where(spans.c.first_n == spans.c.last_n, spans.c.first_n.between(0, last_n))
    longer = select(spans).where(spans.c.first_n < spans.c.last_n).cte("longer")
    longer = longer.prefix_with("MATERIALIZED")
    grid = func.generate_series(0, last_n).table_valued("n").render_derived("grid")
    several_days = select(
        grid.c.n,
        longer.c.id,
        (grid.c.n > longer.c.first_n).label("continues"),
        longer.c.is_all_day,
        longer.c.start_dt,
    ).select_from(longer.join(grid, grid.c.n.between(longer.c.first_n, longer.c.last_n)))
    days = union_all(one_day, several_days).subquery("days")
    placed = select(
        days.c.n,
        days.c.id,
        days.c.continues,
        func.row_number()
        .over(
            partition_by=days.c.n,
            order_by=(
                not_(or_(days.c.continues, days.c.is_all_day)),
                days.c.start_dt,
                days.c.id,
            ),
        )
        .label("rank"),
        func.count().over(partition_by=days.c.n).label("total"),
    ).subquery("placed")
    in_month = (
        select(func.count())
        .select_from(spans)
        .where(
            spans.c.first_n <= bindparam("month_last_n", type_=Integer()),
            spans.c.last_n >= bindparam("month_first_n", type_=Integer()),
            spans.c.first_n <= spans.c.last_n,
        )
        .scalar_subquery()
    )
    return (
        select(placed.c.n, placed.c.id, placed.c.continues, placed.c.total, in_month)
        .where(placed.c.rank <= limit)
        .order_by(placed.c.n, placed.c.rank)
    )


def _placed_in_python(
    user, filters: EventFilters, first_day: date, last_day: date, month: Month, limit: int
) -> DayPlaces:
    spans = visible_spans(user, filters, first_day, last_day)
    return place_spans(spans, first_day, last_day, month, limit)


def day_places(
    user, filters: EventFilters, first_day: date, last_day: date, month: Month, limit: int
) -> DayPlaces:
    """The grid's places: counted by PostgreSQL in its own time zones where it serves the
    site; elsewhere (SQLite) from the spans' rows, placed in Python."""
    if db.session.get_bind().dialect.name == "postgresql":
        return _placed_in_sql(user, filters, first_day, last_day, month, limit)
    return _placed_in_python(user, filters, first_day, last_day, month, limit)


def month_grid(
    user, filters: EventFilters, weeks: list[list[date]], month: Month, limit: int = DAY_LIMIT
) -> MonthGrid:
    """Every day of the grid with its first `limit` events (loaded in one query) and a count
    of the others; the cost follows the number of cells, not of events."""
    first, last = weeks[0][0], weeks[-1][-1]
    places = day_places(user, filters, first, last, month, limit)
    ids = sorted({event_id for items in places.shown.values() for event_id, _ in items})
    events = load_event_titles(ids)
    grid = DaySchedule()
    for day, items in places.shown.items():
        grid.entries[day] = [
            CalendarEntry(event=events[event_id], day=day, continues=continues)
            for event_id, continues in items
        ]
    more = {day: total - limit for day, total in places.totals.items() if total > limit}
    return MonthGrid(grid, more, places.month_event_count)


@dataclass
class AgendaPage:
    schedule: DaySchedule
    page: KeysetPage


def agenda_page(
    listed: ListedEvents,
    first_day: date,
    last_day: date,
    after: Cursor | None = None,
    before: Cursor | None = None,
) -> AgendaPage:
    """AGENDA_PAGE_SIZE events of `listed` (window_events) in [first_day, last_day], in start
    order from the cursor, placed on their local days."""
    page = listed.page(
        Moments.overlapping(*_window_bounds(first_day, last_day)),
        descending=False,
        after=after,
        before=before,
        per_page=AGENDA_PAGE_SIZE,
        # Its cards without co-organisers nor themes: the agenda names the lead partner only.
        load=functools.partial(load_event_cards, links=False),
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
