"""List queries of the public activity pages.

Lists seek their events along indexes (seek_ids; a list's capped count is read in the same
statement) and then read their cards as plain rows in two statements (activities.cards: the
events with lead partner and project, then co-organisers and themes, each joined to the page
language's translations), so a page runs the same number of SQL statements whatever the number
of events. A partner's or project's page seeks its nearest events and reads their cards in
one statement (_nearest_cards), its co-organisers and themes in a second. An event's own page
loads the mapped Event (load_cards). Visibility always comes from activities.permissions.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import (
    BindParameter,
    Boolean,
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased, joinedload, lazyload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption
from sqlalchemy.sql import Executable

from coordinator import dataversion
from coordinator.activities.cards import (
    EventCard,
    ProjectSpan,
    add_links,
    card_rows,
    load_event_cards,
    project_span_columns,
    project_spans,
    read_cards,
)
from coordinator.activities.filters import EventFilters, partner_sides
from coordinator.activities.models import (
    LONG_EVENT_DAYS,
    LONG_RUNNING_SQL,
    MULTI_DAY_SQL,
    Confirmation,
    Event,
    EventKind,
    EventPartner,
    Project,
    ProjectPartner,
    ProjectTranslation,
    Theme,
)
from coordinator.activities.permissions import (
    published_events_clause,
    published_events_clause_for,
    published_projects_clause,
)
from coordinator.dates import is_supported_date
from coordinator.db import INSTANT, INTEGER, PLAN_EACH_RUN, UTCDateTime, utcnow
from coordinator.extensions import db
from coordinator.multilingual import current_language, localized_text, preload_translations
from coordinator.partners.models import Partner
from coordinator.roles import is_signed_in

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")
PAGE_SIZE = 20
# Lists say "1,000+" rather than count every match: a count stops after this many rows.
COUNT_CAP = 1000
# A partner's or project's page shows the nearest ten on each side of now and links to the
# full, paged lists: a profile to read at a glance, at the cost of ten cards rather than forty.
PARTNER_PAGE_LIMIT = 10
_MAX_ID = 2**31 - 1  # beyond any id; PostgreSQL would refuse the integer
_CURSOR = re.compile(r"^(\d{8}T\d{6})(?:\.(\d{6}))?Z-(\d{1,10})$", re.ASCII)


@dataclass(frozen=True)
class Cursor:
    """A position in a list ordered by (start_dt, id), readable in a link:
    `20270301T093000Z-42` is event 42 starting at 09:30 UTC on 1 March 2027."""

    start_dt: datetime
    id: int

    @classmethod
    def of(cls, event: Event) -> Cursor:
        return cls(event.start_dt, event.id)

    @property
    def token(self) -> str:
        moment = self.start_dt.astimezone(UTC)
        fraction = f".{moment.microsecond:06d}" if moment.microsecond else ""
        return f"{moment:%Y%m%dT%H%M%S}{fraction}Z-{self.id}"

    @classmethod
    def parse(cls, raw: str | None) -> Cursor | None:
        """The cursor of a link; None for anything else (the list then starts at its top)."""
        match = _CURSOR.match(raw or "")
        if not match:
            return None
        stamp, fraction, number = match.groups()
        try:
            moment = datetime.strptime(stamp, "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        except ValueError:
            return None
        if not is_supported_date(moment.date()) or int(number) > _MAX_ID:
            return None
        return cls(moment.replace(microsecond=int(fraction or 0)), int(number))


@dataclass
class KeysetPage:
    """One page of a list read by seeking from a cursor: no offset, no full count."""

    items: list[Any]
    # Matches counted up to COUNT_CAP + 1 rows; `count_is_capped` means "more than COUNT_CAP".
    count: int
    count_is_capped: bool
    next_cursor: Cursor | None = None
    previous_cursor: Cursor | None = None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None


def event_card_options() -> list[LoaderOption]:
    """What the JSON API's events carry (partners, project, co-organisers, themes), loaded in
    a fixed number of statements, with the translations' own selectin loads. Pages use
    load_cards() instead."""
    # Many-to-ones join the event's own statement: a selectin load skips its statement when no
    # row has one (no project, no co-organiser) or all are loaded already, so the count would
    # depend on the data.
    return [
        joinedload(Event.lead_partner),
        joinedload(Event.project),
        selectinload(Event.partner_links).joinedload(EventPartner.partner),
        selectinload(Event.themes),
    ]


def shown_card_options() -> list[LoaderOption]:
    """What event cards and pages show, for load_cards(): the partners, project, co-organisers
    and themes join the events' statement, and translations are left unloaded (load_cards reads
    them all in one statement). A few rows per event (co-organisers × themes) cost less than a
    statement per collection: bench/card_loads.py measures both."""
    return [
        joinedload(Event.lead_partner).lazyload(Partner.translations),
        joinedload(Event.project).lazyload(Project.translations),
        joinedload(Event.partner_links)
        .joinedload(EventPartner.partner)
        .lazyload(Partner.translations),
        joinedload(Event.themes).lazyload(Theme.translations),
        lazyload(Event.translations),
    ]


def load_cards(statement: Select) -> list[Event]:
    """The events of `statement` (a select of Event) with what their cards and pages show, in
    two statements whatever their number: the events with their partners, project and themes,
    then the translations of all of them (preload_translations)."""
    events = list(db.session.scalars(statement.options(*shown_card_options())).unique())
    preload_translations(card_owners(events))
    return events


def card_owners(events: list[Event]) -> list[Any]:
    """What an event card names, with a translation of its own: the events, their lead and
    co-organising partners, projects and themes."""
    owners: list[Any] = []
    for shown in events:
        owners += [shown, shown.lead_partner, shown.project, *shown.themes]
        owners += [link.partner for link in shown.partner_links]
    return owners


def long_running_clause() -> ColumnElement[bool]:
    """Events lasting more than LONG_EVENT_DAYS, spelled as ix_events_long_running's
    predicate so that the index serves it."""
    return _LongRunning()


def multi_day_clause() -> ColumnElement[bool]:
    """Events lasting more than a day, spelled as ix_events_multi_day's predicate."""
    return _MultiDay()


class _LongRunning(ColumnElement[bool]):
    inherit_cache = True
    # No state: the same cache key every time. Without it, SQLAlchemy caches no statement
    # that holds the clause and compiles it anew on every request.
    _traverse_internals = []
    type = Boolean()
    _is_implicitly_boolean = True  # a comparison already: no "= 1" added on SQLite
    spelled = LONG_RUNNING_SQL


class _MultiDay(_LongRunning):
    inherit_cache = True
    spelled = MULTI_DAY_SQL


@compiles(_LongRunning)
@compiles(_MultiDay)
def _duration_sqlite(element, compiler, **kw) -> str:
    return _qualified(element.spelled["sqlite"])


@compiles(_LongRunning, "postgresql")
@compiles(_MultiDay, "postgresql")
def _duration_postgresql(element, compiler, **kw) -> str:
    return _qualified(element.spelled["postgresql"])


def _qualified(predicate: str) -> str:
    return predicate.replace("end_dt", "events.end_dt").replace("start_dt", "events.start_dt")


def reaches(moment: datetime) -> dict[str, datetime]:
    """How far back from `moment` running_after's and overlapping's parts seek:
    LONG_EVENT_DAYS (`reach`), then a day (`near`), in that order."""
    return {"reach": moment - timedelta(days=LONG_EVENT_DAYS), "near": moment - timedelta(days=1)}


def _started_before(reach: Any, near: Any) -> list[ColumnElement[bool]]:
    """The events that may still run at a moment having started before `near` (reaches()):
    those since `reach` lasting more than a day (ix_events_multi_day), and the long-running
    ones that started earlier (ix_events_long_running)."""
    return [
        and_(Event.start_dt >= reach, Event.start_dt < near, multi_day_clause()),
        and_(Event.start_dt < reach, long_running_clause()),
    ]


def running_after(moment: Any, reach: Any = None, near: Any = None) -> list[ColumnElement[bool]]:
    """Events still running at `moment` (end_dt >= moment), as disjoint parts that each seek
    an index along start_dt: those that started at most a day before (`near`), and the
    longer ones that started earlier (_started_before). `reach` and `near` are reaches()'s,
    given when `moment` is a bound parameter."""
    if reach is None or near is None:
        reach, near = reaches(moment).values()
    ends = Event.end_dt >= moment
    return [
        and_(Event.start_dt >= near, ends),
        *(and_(part, ends) for part in _started_before(reach, near)),
    ]


def overlapping(
    first: Any, last: Any, reach: Any = None, near: Any = None
) -> list[ColumnElement[bool]]:
    """Events overlapping [first, last) (end_dt > first, start_dt < last), as in running_after
    (`reach` and `near` given when `first` is a bound parameter)."""
    if reach is None or near is None:
        reach, near = reaches(first).values()
    ends = Event.end_dt > first
    return [
        and_(Event.start_dt >= near, Event.start_dt < last, ends),
        *(and_(part, ends) for part in _started_before(reach, near)),
    ]


def _seek_branch(
    base: Select, part: ColumnElement[bool], *, descending: bool, limit: int, after=None
) -> Select:
    """(start_dt, id) of the first `limit` events of one part after the cursor, in list
    order: an index range read in order and stopped at `limit`."""
    key = tuple_(Event.start_dt, Event.id)
    query = base.with_only_columns(Event.start_dt, Event.id).where(part)
    if after is not None:
        bound = (
            tuple_(literal(after.start_dt, INSTANT), literal(after.id))
            if isinstance(after, Cursor)
            else after
        )
        query = query.where(key < bound if descending else key > bound)
    order = (Event.start_dt.desc(), Event.id.desc()) if descending else (Event.start_dt, Event.id)
    return query.order_by(*order).limit(limit)


def _branches_statement(branches: list[Select], counted: Select | None = None) -> Executable:
    """The rows of each branch in one statement (UNION ALL, each branch planned and limited
    on its own, its rows numbered by branch): one round trip whatever the number of parts
    and sides. With `counted` (a select of one count), its value comes as one more row."""
    if len(branches) == 1 and counted is None:
        return branches[0]
    selects = []
    for number, branch in enumerate(branches):
        rows = branch.subquery()
        selects.append(select(rows.c.start_dt, rows.c.id, literal(number).label("branch")))
    if counted is not None:
        # One more row, after the others: (no start, the count, branch -1).
        selects.append(
            select(
                literal(None, INSTANT).label("start_dt"),
                # An integer, as the ids: PostgreSQL would otherwise cast every branch's ids.
                cast(counted.scalar_subquery(), INTEGER).label("id"),
                literal(-1).label("branch"),
            )
        )
    return union_all(*selects)


def _read_branches(
    statement: Executable, branch_count: int, parameters: dict, plan_each_run: bool
) -> tuple[list[list[tuple[datetime, int]]], int]:
    """The rows of a _branches_statement by branch, and its count (else 0)."""
    options = {PLAN_EACH_RUN: plan_each_run}
    found: list[list[tuple[datetime, int]]] = [[] for _ in range(branch_count)]
    total = 0
    for row in db.session.execute(statement, parameters, execution_options=options):
        if len(row) == 2:  # a single branch, read without its number
            found[0].append((row[0], row[1]))
        elif row[2] < 0:
            total = row[1]
        else:
            found[row[2]].append((row[0], row[1]))
    return found, total


def _merged(found: list[list[tuple[datetime, int]]], *, descending: bool, limit: int):
    rows = sorted((row for rows in found for row in rows), reverse=descending)
    return rows[:limit]


def seek_ids(
    base: Select, parts: list[ColumnElement[bool]], *, descending: bool, limit: int, after=None
) -> list[tuple[datetime, int]]:
    """(start_dt, id) of the first `limit` events of `base` after the cursor, in list order:
    each part is an index range read in order and stopped at `limit`, then merged (one
    statement, _branches_statement)."""
    branches = [
        _seek_branch(base, part, descending=descending, limit=limit, after=after) for part in parts
    ]
    found, _ = _read_branches(_branches_statement(branches), len(branches), {}, False)
    return _merged(found, descending=descending, limit=limit)


def _count_select(base: Select, parts: list[ColumnElement[bool]]) -> Select:
    """How many events match, counting at most COUNT_CAP + 1 rows of each part's index range
    (each part's capped read a branch of a UNION ALL), for _capped()."""
    capped = [
        select(rows.c.id)
        for rows in (
            base.with_only_columns(Event.id).where(part).limit(COUNT_CAP + 1).subquery()
            for part in parts
        )
    ]
    matches = (capped[0] if len(capped) == 1 else union_all(*capped)).subquery()
    return select(func.count()).select_from(matches)


def _capped(total: int) -> tuple[int, bool]:
    return min(total, COUNT_CAP), total > COUNT_CAP


class Moments:
    """When a list's events run, as the kind of moments and their values: the parts of each
    kind (moment_parts) are built with bound parameters, so that a list's statements, built
    once per process for each kind, serve any instant."""

    def __init__(self, kind: str, **values: Any) -> None:
        self.kind, self.values = kind, values

    @classmethod
    def upcoming(cls, now: datetime) -> Moments:
        """Still running at `now` (running_after)."""
        return cls("upcoming", moment=now, **reaches(now))

    @classmethod
    def ended(cls, now: datetime) -> Moments:
        return cls("ended", moment=now)

    @classmethod
    def overlapping(cls, first: datetime, last: datetime) -> Moments:
        """Overlapping [first, last) (overlapping)."""
        return cls("overlapping", first=first, last=last, **reaches(first))


def moment_parts(kind: str) -> list[ColumnElement[bool]]:
    """The parts of a kind of Moments, its values bound by name."""

    def bound(name: str) -> BindParameter:
        return bindparam(name, type_=UTCDateTime())

    if kind == "upcoming":
        return running_after(bound("moment"), bound("reach"), bound("near"))
    if kind == "ended":
        return [_ended(bound("moment"))]
    if kind == "overlapping":
        return overlapping(bound("first"), bound("last"), bound("reach"), bound("near"))
    raise ValueError(f"no such moments: {kind}")


@dataclass(frozen=True)
class _SeekStatement:
    statement: Executable
    branch_count: int


@functools.lru_cache(maxsize=512)
def _seek_statement(
    shape: ListedShape, moments: str, *, descending: bool, limit: int, cursor: bool, counted: bool
) -> _SeekStatement:
    """The statement of one seek of a list (as seek_ids, with the count when `counted`): the
    first `limit` events of the shape's events in the moments, after the cursor bound as
    `after_start` and `after_id` when `cursor`. Built once per process for each shape and
    way of seeking: building a list's branches and their cache key cost more Python than
    PostgreSQL spends running them."""
    listed = shape.listed()
    parts = moment_parts(moments)
    after = None
    if cursor:
        after = tuple_(
            bindparam("after_start", type_=INSTANT), bindparam("after_id", type_=INTEGER)
        )
    branches = [
        _seek_branch(listed.base, part, descending=descending, limit=limit, after=after)
        for part in listed.parts(parts)
    ]
    count = _count_select(listed.base, _by_side(listed.counted_sides, parts)) if counted else None
    return _SeekStatement(_branches_statement(branches, count), len(branches))


def keyset_page(
    listed: ListedEvents,
    moments: Moments,
    *,
    descending: bool,
    after: Cursor | None = None,
    before: Cursor | None = None,
    per_page: int = PAGE_SIZE,
    load: Callable[[list[int]], list[Any]] = load_event_cards,
    counted: bool = True,
) -> KeysetPage:
    """The page after `after`, or the one before `before` (the top of the list for neither;
    a `before` that reaches the top gives the top page), its events read by `load` (their
    cards, by default). `counted=False` skips the count, else read, capped, in the statement
    of the first seek (one round trip fewer), along the sides as a count reads them best
    (partner_sides)."""

    def seek(descending: bool, cursor: Cursor | None, counted: bool):
        kept = _seek_statement(
            listed.shape,
            moments.kind,
            descending=descending,
            limit=per_page + 1,
            cursor=cursor is not None,
            counted=counted,
        )
        parameters = dict(moments.values)
        if cursor is not None:
            parameters.update(after_start=cursor.start_dt, after_id=cursor.id)
        found, total = _read_branches(
            kept.statement, kept.branch_count, parameters, listed.plan_each_run
        )
        return _merged(found, descending=descending, limit=per_page + 1), total

    count, capped = 0, False
    rows: list[tuple[datetime, int]] = []
    at_top = after is None
    if before is not None:
        rows, total = seek(not descending, before, counted)
        if counted:
            count, capped = _capped(total)
            counted = False
        if len(rows) > per_page:
            rows = rows[:per_page][::-1]
            page = KeysetPage([], count, capped, Cursor(*rows[-1]), Cursor(*rows[0]))
            page.items = load([number for _, number in rows])
            return page
        at_top = True
    rows, total = seek(descending, None if at_top else after, counted)
    if counted:
        count, capped = _capped(total)
    shown = rows[:per_page]
    page = KeysetPage(
        items=load([number for _, number in shown]),
        count=count,
        count_is_capped=capped,
        next_cursor=Cursor(*shown[-1]) if len(rows) > per_page else None,
        previous_cursor=Cursor(*shown[0]) if shown and not at_top else None,
    )
    return page


@dataclass
class ListedEvents:
    """The events a list or calendar shows: a base query, the disjoint sides to read it by
    (the partner filter's sides, each along its own index; or one side without it), and the
    same sides as a count reads them. Crossed with a list's moments or a calendar's window,
    each side and part is a range of an index."""

    shape: ListedShape
    base: Select
    sides: list[ColumnElement[bool]]
    counted_sides: list[ColumnElement[bool]]
    # Whether filters narrow the events: how many match then depends on their values, and a
    # plan made once for any value may read thousands of rows for a few (PLAN_EACH_RUN). The
    # unfiltered list is planned for its values by PostgreSQL itself, and keeps its prepared
    # statement (parsing it on every run cost 0.6 ms).
    plan_each_run: bool = False

    def parts(self, moments: list[ColumnElement[bool]]) -> list[ColumnElement[bool]]:
        """Each side within each of the moments (running_after, ended, overlapping)."""
        return _by_side(self.sides, moments)

    def page(self, moments: Moments, **seek: Any) -> KeysetPage:
        """The page of the events in `moments` on every side (keyset_page)."""
        return keyset_page(self, moments, **seek)


@dataclass(frozen=True)
class ListedShape:
    """All that listed_events' statements depend on, as a hashable value: whether the viewer
    is signed in (all published_events_clause depends on), the filters, and the ids of the
    filter's themes and partners as read for this request. A statement built from a shape
    may be kept per process, keyed by it: building a calendar's statement and its cache key
    cost more Python than PostgreSQL spends running it."""

    signed_in: bool
    filters: tuple[tuple[str, Any], ...]
    theme_ids: tuple[int, ...] | None
    partner_ids: tuple[int, ...] | None

    def listed(self) -> ListedEvents:
        """The ListedEvents of this shape (no statement run)."""
        filters = EventFilters.from_key(self.filters)
        base = filters.apply(
            select(Event).where(published_events_clause_for(signed_in=self.signed_in)),
            partners=False,
            theme_ids=None if self.theme_ids is None else list(self.theme_ids),
        )
        filtered = not filters.is_empty()
        if self.partner_ids is None:
            return ListedEvents(self, base, [true()], [true()], filtered)
        ids = list(self.partner_ids)
        sides, counted = partner_sides(ids), partner_sides(ids, counted=True)
        return ListedEvents(self, base, sides, counted, filtered)


def listed_shape(user, filters: EventFilters) -> ListedShape:
    """The shape of listed_events(user, filters). The ids of the filter's partners and themes
    are read here (a statement each, when filtered by them): written into the statements,
    they let each partner's and theme's events be planned for."""
    theme_ids = partner_ids = None
    if filters.themes:
        theme_ids = tuple(
            db.session.scalars(select(Theme.id).where(Theme.slug.in_(filters.themes)))
        )
    if filters.partners:
        partner_ids = tuple(
            db.session.scalars(select(Partner.id).where(Partner.slug.in_(filters.partners)))
        )
    return ListedShape(is_signed_in(user), filters.key(), theme_ids, partner_ids)


def listed_events(user, filters: EventFilters) -> ListedEvents:
    """The published events the user may see that the filters keep."""
    return listed_shape(user, filters).listed()


def _by_side(sides: list[ColumnElement[bool]], parts: list[ColumnElement[bool]]):
    return [and_(side, part) for side in sides for part in parts]


def upcoming_events(
    user,
    filters: EventFilters,
    after: Cursor | None = None,
    before: Cursor | None = None,
    now: datetime | None = None,
) -> KeysetPage:
    """Published events the user may see that have not ended yet, soonest first."""
    return listed_events(user, filters).page(
        Moments.upcoming(now or utcnow()), descending=False, after=after, before=before
    )


def past_events(
    user,
    filters: EventFilters,
    after: Cursor | None = None,
    before: Cursor | None = None,
    now: datetime | None = None,
) -> KeysetPage:
    """Published events the user may see that have ended, most recent first."""
    return listed_events(user, filters).page(
        Moments.ended(now or utcnow()), descending=True, after=after, before=before
    )


def _ended(now: datetime) -> ColumnElement[bool]:
    # start_dt < now follows from end_dt < now; said outright, it bounds the index range.
    return and_(Event.start_dt < now, Event.end_dt < now)


@dataclass
class FilterChoices:
    partners: list[Partner] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    themes: list[Theme] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    kinds: list[EventKind] = field(default_factory=list)

    def options(self) -> dict[str, list[tuple[str, str]]]:
        """(value, label) pairs of each select of the filter form."""
        from coordinator.activities.display import country_name

        # Names in the page's language (an <option> holds no marker), in that language's order.
        return {
            "partner": [(p.slug, p.display_name_in()) for p in self.partners],
            "project": by_label([(p.slug, localized_text(p, "title")) for p in self.projects]),
            "theme": by_label([(t.slug, localized_text(t, "name")) for t in self.themes]),
            "country": [(code, country_name(code)) for code in self.countries],
            "kind": [(k.value, k.label) for k in self.kinds],
        }


def by_label(options: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(value, label) options sorted by their label as read (case and accents aside)."""
    return sorted(options, key=lambda option: (reading_key(option[1]), option[0]))


def reading_key(label: str) -> str:
    """A sort key that orders "Économie" with the e's, not after the z's."""
    decomposed = unicodedata.normalize("NFKD", label.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def filter_choices(user) -> FilterChoices:
    """The options of the events filter form, from the database."""
    return FilterChoices(
        partners=list(
            db.session.scalars(
                select(Partner).where(Partner.is_active).order_by(Partner.acronym, Partner.name)
            ).all()
        ),
        projects=list(
            db.session.scalars(
                select(Project).where(published_projects_clause(user)).order_by(Project.title)
            ).all()
        ),
        themes=list(
            db.session.scalars(select(Theme).where(Theme.is_active).order_by(Theme.name)).all()
        ),
        countries=list(db.session.scalars(visible_countries(user)).all()),
        kinds=list(EventKind),
    )


def filter_options(user) -> dict[str, list[tuple[str, str]]]:
    """The (value, label) options of the events filter form, in the page's language. They
    depend only on the data, the language and whether network-only events count, so each
    process builds them once per data version of the pages for each of those."""
    return dataversion.kept_while_unchanged(
        dataversion.PAGES,
        ("event filter options", is_signed_in(user), current_language()),
        lambda: filter_choices(user).options(),
        current_app.config["PAGE_CACHE_RECHECK_SECONDS"],
    )


def visible_countries(user) -> Select:
    """Countries of the events the user may see. The distinct countries are read from the
    country index one after the other (a recursive "next country after this one", a handful
    of index lookups where DISTINCT reads every event), and each is kept if one visible event
    has it (which stops at the first match)."""
    later = aliased(Event)
    present = select(func.min(Event.country).label("country")).where(Event.country > "")
    present = present.cte("present_countries", recursive=True)
    following = (
        select(func.min(later.country)).where(later.country > present.c.country).scalar_subquery()
    )
    present = present.union_all(
        select(following.label("country")).where(present.c.country.is_not(None))
    )
    return (
        select(present.c.country)
        .where(
            present.c.country.is_not(None),
            exists().where(Event.country == present.c.country, published_events_clause(user)),
        )
        .order_by(present.c.country)
    )


@dataclass
class EventsByTime:
    upcoming: list[EventCard]
    past: list[EventCard]


def _nearest(owner: str, owner_id: int, user, now: datetime | None, limit: int) -> EventsByTime:
    """The cards of a partner's or project's nearest `limit` upcoming and past events the user
    may see (_nearest_cards), then their co-organisers and themes: two statements."""
    now = now or utcnow()
    language = current_language()
    parameters = {
        "owner": owner_id,
        "now": now,
        **reaches(now),
        "language": language,
    }
    statement = _nearest_cards(owner, is_signed_in(user), limit)
    upcoming: list[EventCard] = []
    past: list[EventCard] = []
    rows = list(db.session.execute(statement, parameters))
    for card, row in zip(read_cards(rows, language), rows, strict=True):
        (past if row.is_past else upcoming).append(card)
    add_links(upcoming + past, language)
    upcoming.sort(key=lambda card: (card.start_dt, card.id))
    past.sort(key=lambda card: (card.start_dt, card.id), reverse=True)
    return EventsByTime(upcoming=upcoming, past=past)


@functools.cache
def _nearest_cards(owner: str, signed_in: bool, limit: int) -> Executable:
    """The statement reading the cards (cards.card_rows, and `is_past`) of a partner's
    (`owner` "partner") or a project's nearest `limit` events on either side of now: the
    upcoming ones sought forward and the past ones backward along the start index, each side
    (partner_sides: led, co-organised) and part (running_after) a branch limited on its own,
    the first `limit` of each direction kept. Bound: `owner` (the id), `now`, `reach` and
    `near` (reaches(now)) and `language`.

    Built once per process for each owner, visibility (whether the viewer is signed in, all
    published_events_clause depends on) and limit: building a partner's eight branches and
    their cache key cost more Python than PostgreSQL spends running them."""
    now = bindparam("now", type_=UTCDateTime())
    owner_id = bindparam("owner", type_=Integer())
    base = select(Event).where(published_events_clause_for(signed_in=signed_in))
    if owner == "project":
        base, sides = base.where(Event.project_id == owner_id), [true()]
    else:
        sides = partner_sides([owner_id])
    reach = bindparam("reach", type_=UTCDateTime())
    near = bindparam("near", type_=UTCDateTime())
    directions = [
        (_by_side(sides, running_after(now, reach, near)), False),
        (_by_side(sides, [_ended(now)]), True),
    ]
    picked = []
    for parts, descending in directions:
        branches = [
            select(rows.c.start_dt, rows.c.id)
            for rows in (
                _seek_branch(base, part, descending=descending, limit=limit).subquery()
                for part in parts
            )
        ]
        found = union_all(*branches).subquery()
        key = (found.c.start_dt, found.c.id)
        nearest = (
            select(found.c.id, literal(descending).label("is_past"))
            .order_by(*(column.desc() for column in key) if descending else key)
            .limit(limit)
            .subquery()
        )
        picked.append(select(nearest.c.id, nearest.c.is_past))
    chosen = union_all(*picked).subquery()
    return (
        card_rows().join(chosen, chosen.c.id == Event.__table__.c.id).add_columns(chosen.c.is_past)
    )


def partner_events(
    user, partner: Partner, now: datetime | None = None, limit: int = PARTNER_PAGE_LIMIT
) -> EventsByTime:
    """The partner's published events (lead or confirmed co-organiser) the user may see:
    the nearest `limit` on each side of now, sought on the lead and co-organiser sides."""
    return _nearest("partner", partner.id, user, now, limit)


def project_events(
    user, project: Project, now: datetime | None = None, limit: int = PARTNER_PAGE_LIMIT
) -> EventsByTime:
    """The project's published events the user may see (the nearest `limit` on each side),
    along ix_events_project_start."""
    return _nearest("project", project.id, user, now, limit)


def _project_options() -> list[LoaderOption]:
    """What a project's page and its card in the projects list show, joined to the projects'
    statement (as shown_card_options); the translations are left to _load_projects (one
    statement for all)."""
    return [
        joinedload(Project.lead_partner).lazyload(Partner.translations),
        joinedload(Project.themes).lazyload(Theme.translations),
        joinedload(Project.partner_links)
        .joinedload(ProjectPartner.partner)
        .lazyload(Partner.translations),
        lazyload(Project.translations),
    ]


def _load_projects(statement: Select, parameters: dict | None = None) -> list[Project]:
    """The projects of `statement` (with _project_options: what their page and cards show),
    and the translations of the projects, their partners and themes in one statement."""
    projects = list(db.session.scalars(statement, parameters).unique())
    owners: list[Any] = []
    for project in projects:
        owners += [project, project.lead_partner, *project.themes]
        owners += [link.partner for link in project.partner_links]
    preload_translations(owners)
    return projects


def published_projects(user) -> list[Project]:
    """Published projects, the most recent first."""
    return _load_projects(
        select(Project)
        .where(published_projects_clause(user))
        .order_by(Project.start_date.desc(), Project.title)
        .options(*_project_options())
    )


def partner_projects(user, partner: Partner) -> list[ProjectSpan]:
    """Published projects the partner leads or has confirmed taking part in, as the partner
    page lists them (title in the page's language, acronym, dates, status), most recent
    first: one statement of plain rows."""
    language = current_language()
    rows = db.session.execute(
        _partner_projects_statement(), {"partner": partner.id, "language": language}
    )
    return project_spans(rows, language)


@functools.cache
def _partner_projects_statement() -> Executable:
    """The statement of partner_projects (bound: `partner`, `language`), built once."""
    project = Project.__table__.c
    project_text = ProjectTranslation.__table__.alias("project_text").c
    link = ProjectPartner.__table__.c
    partner = bindparam("partner", type_=Integer())
    involved = or_(
        project.lead_partner_id == partner,
        exists().where(
            link.project_id == project.id,
            link.partner_id == partner,
            link.confirmation == Confirmation.CONFIRMED,
        ),
    )
    return (
        select(*project_span_columns(project, project_text))
        .outerjoin_from(
            Project.__table__,
            project_text.project_id.table,
            and_(
                project_text.project_id == project.id,
                project_text.language == bindparam("language"),
            ),
        )
        .where(published_projects_clause(), involved)
        .order_by(project.start_date.desc(), project.title)
    )


def get_event(event_id: int) -> Event | None:
    """One event with everything its page shows."""
    if event_id > 2**31 - 1:  # beyond any id; PostgreSQL would refuse the integer
        return None
    found = load_cards(select(Event).where(Event.id == event_id))
    return found[0] if found else None


def get_project(slug: str) -> Project | None:
    """The project with this slug; None for anything not shaped like a slug (PostgreSQL
    refuses NUL bytes in a query parameter, so they must not reach it)."""
    if not _SLUG.match(slug):
        return None
    found = _load_projects(_project_statement(), {"slug": slug})
    return found[0] if found else None


@functools.cache
def _project_statement() -> Select:
    """The project of a slug (bound as `slug`) with what its page shows (_project_options),
    built once: building the options and the statement's cache key cost more Python than
    PostgreSQL spends running it."""
    return select(Project).where(Project.slug == bindparam("slug")).options(*_project_options())
