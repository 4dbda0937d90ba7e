"""Feed scopes: which events a feed may show, and the time window it shows them in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, or_

from coordinator.activities.filters import EventFilters
from coordinator.activities.models import Event, Project, Status
from coordinator.activities.permissions import published_events_clause
from coordinator.feeds.models import FeedToken
from coordinator.partners.models import Partner


@dataclass(frozen=True)
class FeedScope:
    """One feed: the events it may show (before the time window) and how it is titled."""

    identity: tuple
    filters: EventFilters
    name: str
    description: str
    viewer: object | None = None  # None: what anyone may see; a user: what they may see

    @property
    def clause(self) -> ColumnElement[bool]:
        # Built on use: a feed served from the cache never pays for the expression.
        return published_events_clause(self.viewer)


def _filters_key(filters: EventFilters) -> tuple:
    return tuple(
        sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in filters.to_args().items())
    )


def network_scope(filters: EventFilters) -> FeedScope:
    site = current_app.config["SITE_NAME"]
    name = f"{site}: network events"
    if not filters.is_empty():
        name += " (filtered)"
    return FeedScope(
        identity=("network", _filters_key(filters)),
        filters=filters,
        name=name,
        description="Upcoming public events of MedCities and its partner institutions.",
    )


def partner_scope(partner: Partner, filters: EventFilters) -> FeedScope:
    filters = _narrowed(filters, partners=[partner.slug])
    return FeedScope(
        identity=("partner", partner.id, _filters_key(filters)),
        filters=filters,
        name=f"{partner.acronym or partner.name}: events",
        description=f"Upcoming public events organised or co-organised by {partner.name}.",
    )


def project_scope(project: Project, filters: EventFilters) -> FeedScope:
    filters = _narrowed(filters, projects=[project.slug])
    return FeedScope(
        identity=("project", project.id, _filters_key(filters)),
        filters=filters,
        name=f"{project.acronym or project.title}: events",
        description=f"Upcoming public events of the project {project.title}.",
    )


def private_scope(token: FeedToken) -> FeedScope:
    """Public and network-only events the token's owner may see, checked at every fetch."""
    owner = token.owner
    site = current_app.config["SITE_NAME"]
    return FeedScope(
        identity=("private", token.id, owner.id),
        viewer=owner,
        filters=EventFilters(),
        name=f"{site}: {token.name}",
        description="Your private feed of public and network-only events.",
    )


def scope_for(target: Partner | Project | None, filters: EventFilters) -> FeedScope:
    """The public feed of a partner, a project or (None) the network, with its filters."""
    if isinstance(target, Partner):
        return partner_scope(target, filters)
    if isinstance(target, Project):
        return project_scope(target, filters)
    return network_scope(filters)


def _narrowed(filters: EventFilters, **fixed: list[str]) -> EventFilters:
    values = {**filters.__dict__, **fixed}
    return EventFilters(**values)


# --- the time window ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    now: datetime
    ended_after: datetime  # events that ended before this have left the feed
    starts_before: datetime  # events starting after this have not entered it yet
    cancelled_after: datetime  # cancelled before this: gone from the feed

    @classmethod
    def at(cls, now: datetime) -> Window:
        config = current_app.config
        return cls(
            now=now,
            ended_after=now - timedelta(days=config["FEED_PAST_GRACE_DAYS"]),
            starts_before=now + timedelta(days=config["FEED_DAYS_AHEAD"]),
            cancelled_after=now - timedelta(days=config["FEED_CANCELLED_GRACE_DAYS"]),
        )

    def clause(self) -> ColumnElement[bool]:
        return and_(
            Event.end_dt > self.ended_after,
            Event.start_dt < self.starts_before,
            or_(Event.status != Status.CANCELLED, cancelled_at() > self.cancelled_after),
        )


def cancelled_at():
    # A CHECK constraint guarantees the stamp on every cancelled event.
    return Event.cancelled_dt


def scoped(query: Select, scope: FeedScope) -> Select:
    return scope.filters.apply(query.where(scope.clause))
