"""Feed scopes: which events a feed may show, and the time window it shows them in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, or_

from coordinator.activities.filters import EventFilters
from coordinator.activities.models import Event, Project, Status
from coordinator.activities.permissions import published_events_clause
from coordinator.feeds.models import FeedToken
from coordinator.multilingual import localized
from coordinator.partners.models import Partner


@dataclass(frozen=True)
class FeedScope:
    """One feed: the events it may show (before the time window) and how it is titled."""

    identity: tuple
    filters: EventFilters
    name: str
    description: str
    viewer: object | None = None  # None: what anyone may see; a user: what they may see
    # `?lang=`: texts in this language where translated, marked (None: the originals).
    language: str | None = None

    @property
    def clause(self) -> ColumnElement[bool]:
        # Built on use: a feed served from the cache never pays for the expression.
        return published_events_clause(self.viewer)


def _filters_key(filters: EventFilters) -> tuple:
    return tuple(
        sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in filters.to_args().items())
    )


def _in_language(language: str | None) -> tuple:
    """A feed's identity part for its language: none without `lang`, so those feeds keep the
    cache keys (and bytes) they always had."""
    return () if language is None else (("lang", language),)


def network_scope(filters: EventFilters, language: str | None = None) -> FeedScope:
    site = current_app.config["SITE_NAME"]
    if language is None:
        name = f"{site}: network events"
        if not filters.is_empty():
            name += " (filtered)"
        description = "Upcoming public events of MedCities and its partner institutions."
    else:
        with force_locale(language):
            if filters.is_empty():
                name = _("%(site)s: network events", site=site)
            else:
                name = _("%(site)s: network events (filtered)", site=site)
            description = _("Upcoming public events of MedCities and its partner institutions.")
    return FeedScope(
        identity=("network", _filters_key(filters), *_in_language(language)),
        filters=filters,
        name=name,
        description=description,
        language=language,
    )


def partner_scope(
    partner: Partner, filters: EventFilters, language: str | None = None
) -> FeedScope:
    filters = _narrowed(filters, partners=[partner.slug])
    if language is None:
        name = f"{partner.acronym or partner.name}: events"
        description = f"Upcoming public events organised or co-organised by {partner.name}."
    else:
        partner_name = localized(partner, "name", language).text
        with force_locale(language):
            name = _("%(partner)s: events", partner=partner.acronym or partner_name)
            description = _(
                "Upcoming public events organised or co-organised by %(partner)s.",
                partner=partner_name,
            )
    return FeedScope(
        identity=("partner", partner.id, _filters_key(filters), *_in_language(language)),
        filters=filters,
        name=name,
        description=description,
        language=language,
    )


def project_scope(
    project: Project, filters: EventFilters, language: str | None = None
) -> FeedScope:
    filters = _narrowed(filters, projects=[project.slug])
    if language is None:
        name = f"{project.acronym or project.title}: events"
        description = f"Upcoming public events of the project {project.title}."
    else:
        title = localized(project, "title", language).text
        with force_locale(language):
            name = _("%(project)s: events", project=project.acronym or title)
            description = _("Upcoming public events of the project %(project)s.", project=title)
    return FeedScope(
        identity=("project", project.id, _filters_key(filters), *_in_language(language)),
        filters=filters,
        name=name,
        description=description,
        language=language,
    )


def private_scope(token: FeedToken, language: str | None = None) -> FeedScope:
    """Public and network-only events the token's owner may see, checked at every fetch."""
    owner = token.owner
    site = current_app.config["SITE_NAME"]
    description = "Your private feed of public and network-only events."
    if language is not None:
        with force_locale(language):
            description = _("Your private feed of public and network-only events.")
    return FeedScope(
        identity=("private", token.id, owner.id, *_in_language(language)),
        viewer=owner,
        filters=EventFilters(),
        name=f"{site}: {token.name}",
        description=description,
        language=language,
    )


def scope_for(
    target: Partner | Project | None, filters: EventFilters, language: str | None = None
) -> FeedScope:
    """The public feed of a partner, a project or (None) the network, with its filters."""
    if isinstance(target, Partner):
        return partner_scope(target, filters, language)
    if isinstance(target, Project):
        return project_scope(target, filters, language)
    return network_scope(filters, language)


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
