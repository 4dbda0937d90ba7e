"""The event filters shared by the events list, the calendar views and the iCalendar feeds.

`?partner=<slug>&project=<slug>&theme=<slug>&country=<CC>&kind=<kind>` (each repeatable),
plus `q` (text), `start` and `end` (ISO dates) where the page supports them. A value of the
wrong shape (not a slug, a NUL byte, a date outside coordinator.dates' years) is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from sqlalchemy import (
    BindParameter,
    Boolean,
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    false,
    literal,
    not_,
    or_,
    select,
    union,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

from coordinator.activities.models import (
    Confirmation,
    Event,
    EventKind,
    EventPartner,
    EventTranslation,
    Project,
    Theme,
    event_themes,
)
from coordinator.dates import is_supported_date
from coordinator.db import INTEGER
from coordinator.partners.models import Partner
from coordinator.slugs import SLUG_REGEX

_SLUG = re.compile(SLUG_REGEX)
_COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_VALUES = 20


@dataclass
class EventFilters:
    partners: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    text: str = ""
    start: date | None = None
    end: date | None = None

    @classmethod
    def from_args(cls, args) -> EventFilters:
        """Parse request args; values of the wrong shape are dropped, never an error."""

        def values(name: str, pattern=None, transform=lambda v: v.strip().lower()) -> list[str]:
            result: list[str] = []
            for raw in args.getlist(name)[:MAX_VALUES]:
                value = transform(raw)
                if value and (pattern is None or pattern.fullmatch(value)) and value not in result:
                    result.append(value)
            return result

        kinds = {kind.value for kind in EventKind}
        text = " ".join((args.get("q") or "").split())[:200]
        text = "".join(ch for ch in text if ch.isprintable())
        return cls(
            partners=values("partner", _SLUG),
            projects=values("project", _SLUG),
            themes=values("theme", _SLUG),
            countries=values("country", _COUNTRY, lambda v: v.strip().upper()),
            kinds=[k for k in values("kind") if k in kinds],
            text=text,
            start=_parse_date(args.get("start")),
            end=_parse_date(args.get("end")),
        )

    def key(self) -> tuple[tuple[str, Any], ...]:
        """These filters as a hashable value, which EventFilters.from_key makes again."""
        return tuple(
            (item.name, tuple(value) if isinstance(value, list) else value)
            for item in fields(self)
            for value in [getattr(self, item.name)]
        )

    @classmethod
    def from_key(cls, key: tuple[tuple[str, Any], ...]) -> EventFilters:
        return cls(
            **{name: list(value) if isinstance(value, tuple) else value for name, value in key}
        )

    def is_empty(self) -> bool:
        return not (
            self.partners
            or self.projects
            or self.themes
            or self.countries
            or self.kinds
            or self.text
            or self.start
            or self.end
        )

    def to_args(self, include_dates: bool = True) -> dict[str, list[str] | str]:
        """Query arguments that reproduce these filters (for links and feed URLs)."""
        args: dict[str, list[str] | str] = {}
        for name, items in (
            ("partner", self.partners),
            ("project", self.projects),
            ("theme", self.themes),
            ("country", self.countries),
            ("kind", self.kinds),
        ):
            if items:
                args[name] = list(items)
        if self.text:
            args["q"] = self.text
        if include_dates and self.start:
            args["start"] = self.start.isoformat()
        if include_dates and self.end:
            args["end"] = self.end.isoformat()
        return args

    def apply(
        self, query: Select, partners: bool = True, theme_ids: list[int] | None = None
    ) -> Select:
        """Narrow a select() over Event to these filters. `partners=False` leaves out the
        partner filter, for a list that reads it as partner_sides() instead. `theme_ids`, the
        ids of the filter's themes read beforehand, are written into the statement: how few
        events a theme has decides how to read them (a theme of no upcoming event took 50 ms
        at 50k events when the planner could not tell which theme it was, 1 ms when it could)."""
        if self.partners and partners:
            partner_ids = select(Partner.id).where(Partner.slug.in_(self.partners))
            query = query.where(events_of_partners(partner_ids))
        if self.projects:
            query = query.where(
                Event.project_id.in_(select(Project.id).where(Project.slug.in_(self.projects)))
            )
        if self.themes:
            chosen = (
                select(Theme.id).where(Theme.slug.in_(self.themes))
                if theme_ids is None
                else [written_in(theme_id) for theme_id in theme_ids] or [written_in(0)]
            )
            query = query.where(
                exists().where(
                    event_themes.c.event_id == Event.id, event_themes.c.theme_id.in_(chosen)
                )
            )
        if self.countries:
            query = query.where(Event.country.in_([written_in(c) for c in self.countries]))
        if self.kinds:
            query = query.where(Event.kind.in_([EventKind(k) for k in self.kinds]))
        if self.text:
            pattern = f"%{_escape_like(self.text)}%"
            query = query.where(
                or_(
                    Event.title.ilike(pattern, escape="\\"),
                    Event.summary.ilike(pattern, escape="\\"),
                    Event.city.ilike(pattern, escape="\\"),
                    # Every language: the same match on any translation's title or summary.
                    exists().where(
                        EventTranslation.event_id == Event.id,
                        or_(
                            EventTranslation.title.ilike(pattern, escape="\\"),
                            EventTranslation.summary.ilike(pattern, escape="\\"),
                        ),
                    ),
                )
            )
        if self.start:
            query = query.where(Event.end_dt >= _day_start_utc(self.start))
        if self.end:
            query = query.where(Event.start_dt < _day_start_utc(self.end, next_day=True))
        return query


def _co_organiser_link(partner_ids) -> ColumnElement[bool]:
    """An event_partners row naming one of the partners, confirmed: what makes a partner a
    co-organiser of an event."""
    return and_(
        EventPartner.partner_id.in_(partner_ids),
        EventPartner.confirmation == Confirmation.CONFIRMED,
    )


def events_of_partners(partner_ids) -> ColumnElement[bool]:
    """Events led by one of the partners, or co-organised by one with its confirmation.

    The ids of both kinds come from one UNION, each side read from its own index
    (ix_events_lead_start, event_partners.partner_id), where an OR over EXISTS would have
    the planner test every candidate event in turn. This gathers every event of the
    partners: a list read in order seeks partner_sides() instead."""
    led = select(Event.id).where(Event.lead_partner_id.in_(partner_ids))
    co_organised = select(EventPartner.event_id).where(_co_organiser_link(partner_ids))
    return OneOf(Event.id, union(led, co_organised))


def written_in(value: Any) -> ColumnElement[Any]:
    """`value` (an id, or a bound parameter) written into the statement's text rather than sent
    beside it. A statement run often is prepared (coordinator.db), and PostgreSQL may then plan
    it once for any value; where the best way to read depends on the value (a partner with
    2,500 links against one with 3: 37 ms against 7 on its events list), the value must be
    part of the statement, each value then planned for. Only values checked on the way in
    (ids, country codes) are written so."""
    if isinstance(value, BindParameter):
        return bindparam(value.key, type_=value.type, literal_execute=True)
    return literal(value, INTEGER if isinstance(value, int) else None, literal_execute=True)


def partner_sides(partner_ids: list[Any], counted: bool = False) -> list[ColumnElement[bool]]:
    """The events of the partners (as events_of_partners) in two disjoint sides, each of
    which a list ordered by (start_dt, id) seeks and stops at its page:

    - led by one of them: along ix_events_lead_start (for one partner; for several, the
      planner picks between that index and the start index);
    - co-organised by one of them but led by another: along the start index, each event's
      co-organisers looked up by the event_partners primary key (or, for a partner that
      co-organises few events, its event_partners rows, which are then few).

    Disjoint, so that merged seeks and summed counts take no event twice. The ids are
    values, not a subquery: the planner then knows a single partner's lead index range is
    read in order.

    `counted`: the sides as a count reads them, every match up to its cap rather than a
    page's worth in order. The co-organised side then gathers the partners' confirmed links
    first and looks their events up by primary key: as many reads as the partners have links,
    where a count along the start index reads (or hash-joins) every event of the range."""
    if not partner_ids:
        return [false()]
    partner_ids = [written_in(partner_id) for partner_id in partner_ids]
    led = (
        Event.lead_partner_id == partner_ids[0]
        if len(partner_ids) == 1
        else Event.lead_partner_id.in_(partner_ids)
    )
    if counted:
        links = select(EventPartner.event_id).where(_co_organiser_link(partner_ids))
        linked = OneOf(Event.id, links)
    else:
        linked = exists().where(EventPartner.event_id == Event.id, _co_organiser_link(partner_ids))
    return [led, and_(not_(led), linked)]


class OneOf(ColumnElement[bool]):
    """`column IN (subquery)`, which PostgreSQL writes `column = ANY(ARRAY(subquery))`: the ids
    are then gathered once and looked up by primary key, where the planner would otherwise
    hash-join the subquery against a scan of every event in the date range."""

    inherit_cache = True
    # Its parts make its cache key: without one, SQLAlchemy would compile every statement
    # that holds it anew on every request.
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("subquery", InternalTraversal.dp_clauseelement),
    ]
    type = Boolean()
    _is_implicitly_boolean = True

    def __init__(self, column, subquery) -> None:
        self.column = column
        self.subquery = subquery


@compiles(OneOf)
def _one_of_sql(element: OneOf, compiler, **kw) -> str:
    return compiler.process(element.column.in_(element.subquery), **kw)


@compiles(OneOf, "postgresql")
def _one_of_sql_postgresql(element: OneOf, compiler, **kw) -> str:
    column = compiler.process(element.column, **kw)
    return f"{column} = ANY(ARRAY({compiler.process(element.subquery, **kw)}))"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _parse_date(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw.strip()[:10])
    except ValueError:
        return None
    # Year 9999 has no next day to end the range on (an OverflowError); see coordinator.dates.
    return day if is_supported_date(day) else None


def _day_start_utc(day: date, next_day: bool = False):
    from datetime import UTC, datetime, timedelta

    moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return moment + timedelta(days=1) if next_day else moment


__all__ = ["EventFilters", "events_of_partners", "partner_sides"]
