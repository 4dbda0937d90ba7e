"""Read queries of the feed routes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from coordinator.activities.models import Event, Project, Theme
from coordinator.activities.permissions import public_events_clause, published_projects_clause
from coordinator.extensions import db
from coordinator.partners.models import Partner

ATOM_ENTRIES = 50


def published_project(slug: str) -> Project | None:
    """The published project with this slug (its feed is public)."""
    return db.session.scalar(
        select(Project).where(Project.slug == slug, published_projects_clause())
    )


def atom_events(language: str | None) -> list[Event]:
    """The last ATOM_ENTRIES public events published, newest first, with what their entries
    show: the lead partner (joined) and the themes, and, for a feed in `language`, the
    translations of all three. The originals' feed reads no translation."""
    if language is None:
        options = [
            joinedload(Event.lead_partner).lazyload(Partner.translations),
            selectinload(Event.themes).lazyload(Theme.translations),
            lazyload(Event.translations),
        ]
    else:
        options = [joinedload(Event.lead_partner), selectinload(Event.themes)]
    return list(
        db.session.scalars(
            select(Event)
            .where(public_events_clause(), Event.published_dt.is_not(None))
            .order_by(Event.published_dt.desc(), Event.id.desc())
            .limit(ATOM_ENTRIES)
            .options(*options)
        )
    )
