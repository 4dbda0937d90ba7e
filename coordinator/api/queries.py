"""The API's reads: the same clauses and predicates as the pages (activities.permissions,
partners.permissions), so the API never returns what a page would not show its caller."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, or_, select

from coordinator.activities.filters import EventFilters
from coordinator.activities.models import Event, Project, Status, Theme
from coordinator.activities.permissions import published_events_clause
from coordinator.activities.queries import event_card_options
from coordinator.extensions import db
from coordinator.partners.models import Partner
from coordinator.partners.permissions import can_see_inactive_partners
from coordinator.slugs import is_slug


class BadCursor(ValueError):
    """A cursor this API did not hand out (422)."""


@dataclass
class EventPage:
    items: list[Event]
    next_cursor: str | None


def encode_cursor(event: Event) -> str:
    text = f"{event.start_dt.astimezone(UTC).isoformat()}|{event.id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        start, _, ident = text.partition("|")
        moment = datetime.fromisoformat(start)
        number = int(ident)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise BadCursor(cursor) from error
    if moment.tzinfo is None or not 0 < number < 2**31:
        raise BadCursor(cursor)
    return moment, number


def events_page(
    user,
    filters: EventFilters,
    *,
    updated_since: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> EventPage:
    """Published events the user may see (published_events_clause, as /events/), narrowed by
    the page's filters, in a stable order (start, id), one page after the cursor."""
    query = filters.apply(select(Event).where(published_events_clause(user)))
    if updated_since is not None:
        query = query.where(Event.updated_dt > updated_since)
    if cursor:
        start, ident = decode_cursor(cursor)
        query = query.where(
            or_(Event.start_dt > start, and_(Event.start_dt == start, Event.id > ident))
        )
    rows = list(
        db.session.scalars(
            query.order_by(Event.start_dt, Event.id).limit(limit + 1).options(*event_card_options())
        )
    )
    more = len(rows) > limit
    items = rows[:limit]
    return EventPage(items=items, next_cursor=encode_cursor(items[-1]) if more else None)


def visible_partners(user) -> list[Partner]:
    """The partners the partners page lists to this user."""
    query = select(Partner)
    if not can_see_inactive_partners(user):
        query = query.where(Partner.is_active)
    return list(db.session.scalars(query.order_by(Partner.name, Partner.id)))


def visible_partner(user, slug: str) -> Partner | None:
    """The partner whose page this user may open, else None (404)."""
    if not is_slug(slug):
        return None
    partner = db.session.scalar(select(Partner).where(Partner.slug == slug))
    if partner is None or (not partner.is_active and not can_see_inactive_partners(user)):
        return None
    return partner


def active_themes() -> list[Theme]:
    return list(db.session.scalars(select(Theme).where(Theme.is_active).order_by(Theme.name)))


def event_form_choices(lead_partner_id: int | None):
    """What the event form offers (the same lists as the web form): active themes, the other
    active partners, approved projects."""
    themes = active_themes()
    partners = db.session.scalars(
        select(Partner)
        .where(Partner.is_active, Partner.id != (lead_partner_id or -1))
        .order_by(Partner.name)
    ).all()
    projects = db.session.scalars(
        select(Project).where(Project.status == Status.APPROVED).order_by(Project.title)
    ).all()
    return themes, partners, projects
