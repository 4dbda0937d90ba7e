"""Who may see events and projects. Views, list queries, templates and feeds all use these."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_

from coordinator.activities.models import PUBLISHED_STATES, Event, Project, Visibility


def _is_signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def published_events_clause(user) -> ColumnElement[bool]:
    """Events the user may see on public pages and feeds: published, and network-only
    ones only for signed-in users."""
    clause = Event.status.in_(PUBLISHED_STATES)
    if not _is_signed_in(user):
        clause = and_(clause, Event.visibility == Visibility.PUBLIC)
    return clause


def public_events_clause() -> ColumnElement[bool]:
    """What anyone at all may see (anonymous pages, public feeds)."""
    return published_events_clause(None)


def published_projects_clause(user=None) -> ColumnElement[bool]:
    return Project.status.in_(PUBLISHED_STATES)


def can_view_published_event(user, event: Event) -> bool:
    """The same rule as published_events_clause, for one loaded event."""
    if not event.is_published:
        return False
    return event.visibility == Visibility.PUBLIC or _is_signed_in(user)


def can_view_event(user, event: Event) -> bool:
    """Published events as above; unpublished ones only for staff (once submitted), the
    lead partner's focal points, and co-organisers' focal points (once submitted)."""
    from coordinator.activities.models import Status

    if can_view_published_event(user, event):
        return True
    if not _is_signed_in(user):
        return False
    if user.is_staff:
        return event.status != Status.DRAFT
    if user.partner_id is None:
        return False
    if user.partner_id == event.lead_partner_id:
        return True
    co_organiser_ids = {link.partner_id for link in event.partner_links}
    return user.partner_id in co_organiser_ids and event.status != Status.DRAFT


def can_view_project(user, project: Project) -> bool:
    """The rule of can_view_event, for projects: published ones for everyone; unpublished
    ones for staff (once submitted), the lead partner's focal points, and listed partners'
    focal points (once submitted)."""
    from coordinator.activities.models import Status

    if project.is_published:
        return True
    if not _is_signed_in(user):
        return False
    if user.is_staff:
        return project.status != Status.DRAFT
    if user.partner_id is None:
        return False
    if user.partner_id == project.lead_partner_id:
        return True
    partner_ids = {link.partner_id for link in project.partner_links}
    return user.partner_id in partner_ids and project.status != Status.DRAFT
