"""List queries of the public activity pages.

Every list eager-loads what the event cards show (lead partner, co-organisers, themes,
project) with selectinload, so a page runs the same number of SQL queries whatever the
number of events. Visibility always comes from activities.permissions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from coordinator.activities.filters import EventFilters
from coordinator.activities.models import (
    Confirmation,
    Event,
    EventKind,
    EventPartner,
    Project,
    ProjectPartner,
    Theme,
)
from coordinator.activities.permissions import published_events_clause, published_projects_clause
from coordinator.db import utcnow
from coordinator.extensions import db
from coordinator.partners.models import Partner

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")
PAGE_SIZE = 20
# Pages beyond this are refused before any query: no offset arithmetic on absurd numbers.
MAX_PAGE = 100_000
PARTNER_PAGE_LIMIT = 20


@dataclass
class Page:
    """One page of a list, with what the pagination links need."""

    items: list[Any]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def window(self, size: int = 2) -> list[int | None]:
        """Page numbers to link: first, last and a window around the current one (None = gap)."""
        wanted = {1, self.pages, *range(self.number - size, self.number + size + 1)}
        numbers = sorted(n for n in wanted if 1 <= n <= self.pages)
        result: list[int | None] = []
        for previous, current in zip([0, *numbers], numbers, strict=False):
            if current - previous > 1:
                result.append(None)
            result.append(current)
        return result


class PageOutOfRange(LookupError):
    """The page number is past the last page (the view answers 404)."""


def parse_page_number(raw: str | None) -> int:
    """A page number from the query string; anything that is not a positive integer is page 1."""
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        return 1
    return max(1, int(raw))


def event_card_options() -> list[LoaderOption]:
    """What an event card shows, loaded in a fixed number of queries."""
    return [
        selectinload(Event.lead_partner),
        selectinload(Event.partner_links).selectinload(EventPartner.partner),
        selectinload(Event.themes),
        selectinload(Event.project),
    ]


def _paginate(query: Select, order: tuple, number: int, per_page: int = PAGE_SIZE) -> Page:
    # Count and sort only ids: SQLite would otherwise materialise whole rows (with their
    # descriptions) of every matching event to count them or to sort them.
    total = db.session.scalar(query.with_only_columns(func.count(Event.id)).order_by(None))
    page = Page(items=[], number=number, per_page=per_page, total=total or 0)
    if number > page.pages or number > MAX_PAGE:
        raise PageOutOfRange(number)
    ids = (
        query.with_only_columns(Event.id)
        .order_by(*order)
        .limit(per_page)
        .offset((number - 1) * per_page)
        .scalar_subquery()
    )
    page.items = list(
        db.session.scalars(
            select(Event).where(Event.id.in_(ids)).order_by(*order).options(*event_card_options())
        ).all()
    )
    return page


def upcoming_events(
    user, filters: EventFilters, number: int = 1, now: datetime | None = None
) -> Page:
    """Published events the user may see that have not ended yet, soonest first."""
    now = now or utcnow()
    query = filters.apply(select(Event).where(published_events_clause(user), Event.end_dt >= now))
    return _paginate(query, (Event.start_dt, Event.id), number)


def past_events(user, filters: EventFilters, number: int = 1, now: datetime | None = None) -> Page:
    """Published events the user may see that have ended, most recent first."""
    now = now or utcnow()
    query = filters.apply(select(Event).where(published_events_clause(user), Event.end_dt < now))
    return _paginate(query, (Event.start_dt.desc(), Event.id.desc()), number)


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

        return {
            "partner": [(p.slug, p.display_name) for p in self.partners],
            "project": [(p.slug, p.title) for p in self.projects],
            "theme": [(t.slug, t.name) for t in self.themes],
            "country": [(code, country_name(code)) for code in self.countries],
            "kind": [(k.value, k.label) for k in self.kinds],
        }


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
        countries=list(db.session.scalars(_visible_countries(user)).all()),
        kinds=list(EventKind),
    )


def _visible_countries(user) -> Select:
    """Countries of the events the user may see. The distinct countries come from the
    country index, and each is kept if one visible event has it (which stops at the first
    match), rather than scanning every visible event."""
    present = select(Event.country).where(Event.country != "").distinct().subquery()
    return (
        select(present.c.country)
        .where(exists().where(Event.country == present.c.country, published_events_clause(user)))
        .order_by(present.c.country)
    )


def _involves_partner(partner_id: int):
    """Led by the partner, or co-organised by it with its confirmation."""
    return or_(
        Event.lead_partner_id == partner_id,
        exists().where(
            EventPartner.event_id == Event.id,
            EventPartner.partner_id == partner_id,
            EventPartner.confirmation == Confirmation.CONFIRMED,
        ),
    )


@dataclass
class EventsByTime:
    upcoming: list[Event]
    past: list[Event]


def _split_by_time(base: Select, now: datetime, limit: int | None) -> EventsByTime:
    upcoming = base.where(Event.end_dt >= now).order_by(Event.start_dt, Event.id)
    past = base.where(Event.end_dt < now).order_by(Event.start_dt.desc(), Event.id.desc())
    if limit is not None:
        upcoming, past = upcoming.limit(limit), past.limit(limit)
    options = event_card_options()
    return EventsByTime(
        upcoming=list(db.session.scalars(upcoming.options(*options)).all()),
        past=list(db.session.scalars(past.options(*options)).all()),
    )


def partner_events(
    user, partner: Partner, now: datetime | None = None, limit: int | None = PARTNER_PAGE_LIMIT
) -> EventsByTime:
    """The partner's published events (lead or confirmed co-organiser) the user may see."""
    base = select(Event).where(published_events_clause(user), _involves_partner(partner.id))
    return _split_by_time(base, now or utcnow(), limit)


def project_events(user, project: Project, now: datetime | None = None) -> EventsByTime:
    """The project's published events the user may see."""
    base = select(Event).where(published_events_clause(user), Event.project_id == project.id)
    return _split_by_time(base, now or utcnow(), None)


def _project_options() -> list[LoaderOption]:
    return [
        selectinload(Project.lead_partner),
        selectinload(Project.themes),
        selectinload(Project.partner_links).selectinload(ProjectPartner.partner),
    ]


def published_projects(user) -> list[Project]:
    """Published projects, the most recent first."""
    return list(
        db.session.scalars(
            select(Project)
            .where(published_projects_clause(user))
            .options(*_project_options())
            .order_by(Project.start_date.desc(), Project.title)
        ).all()
    )


def partner_projects(user, partner: Partner) -> list[Project]:
    """Published projects the partner leads or has confirmed taking part in."""
    involved = or_(
        Project.lead_partner_id == partner.id,
        exists().where(
            ProjectPartner.project_id == Project.id,
            ProjectPartner.partner_id == partner.id,
            ProjectPartner.confirmation == Confirmation.CONFIRMED,
        ),
    )
    return list(
        db.session.scalars(
            select(Project)
            .where(published_projects_clause(user), involved)
            .options(*_project_options())
            .order_by(Project.start_date.desc(), Project.title)
        ).all()
    )


def get_event(event_id: int) -> Event | None:
    """One event with everything its page shows."""
    if event_id > 2**31 - 1:  # beyond any id; PostgreSQL would refuse the integer
        return None
    return db.session.scalar(
        select(Event).where(Event.id == event_id).options(*event_card_options())
    )


def get_project(slug: str) -> Project | None:
    """The project with this slug; None for anything not shaped like a slug (PostgreSQL
    refuses NUL bytes in a query parameter, so they must not reach it)."""
    if not _SLUG.match(slug):
        return None
    return db.session.scalar(
        select(Project).where(Project.slug == slug).options(*_project_options())
    )
