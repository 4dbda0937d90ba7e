"""Read queries of the proposal workflow: history, the focal point's space, the review queue."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coordinator.activities.models import (
    Confirmation,
    Event,
    EventPartner,
    EventRevision,
    Project,
    ProjectPartner,
    Status,
    Theme,
)
from coordinator.activities.permissions import revisions_awaiting_decision_clause
from coordinator.activities.workflow import ANSWERABLE_STATES
from coordinator.audit.models import AuditEntry
from coordinator.extensions import db
from coordinator.partners.models import Partner

# The order a focal point wants to see them: what needs their action first.
STATE_ORDER = (
    Status.CHANGES_REQUESTED,
    Status.DRAFT,
    Status.SUBMITTED,
    Status.APPROVED,
    Status.CANCELLED,
    Status.REJECTED,
    Status.WITHDRAWN,
)


def history(subject_type: str, subject_ids: list[int]) -> dict[int, list[AuditEntry]]:
    """Audit entries of several activities in one query, oldest first, keyed by id."""
    grouped: dict[int, list[AuditEntry]] = defaultdict(list)
    if not subject_ids:
        return grouped
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id.in_(subject_ids))
        .options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.created_dt, AuditEntry.id)
    )
    for entry in entries:
        grouped[entry.subject_id].append(entry)
    return grouped


def _event_options():
    return (
        selectinload(Event.lead_partner),
        selectinload(Event.themes),
        selectinload(Event.partner_links).selectinload(EventPartner.partner),
        selectinload(Event.revisions),
    )


def _project_options():
    return (
        selectinload(Project.lead_partner),
        selectinload(Project.themes),
        selectinload(Project.partner_links).selectinload(ProjectPartner.partner),
    )


@dataclass
class PartnerSpace:
    events_by_state: list[tuple[Status, list[Event]]]
    projects_by_state: list[tuple[Status, list[Project]]]
    event_history: dict[int, list[AuditEntry]]
    project_history: dict[int, list[AuditEntry]]
    event_requests: list[EventPartner]
    project_requests: list[ProjectPartner]
    co_organised: list[EventPartner]


def _group(items) -> list[tuple[Status, list]]:
    by_state: dict[Status, list] = defaultdict(list)
    for item in items:
        by_state[item.status].append(item)
    return [(state, by_state[state]) for state in STATE_ORDER if by_state.get(state)]


def _led_by(model: type[Event] | type[Project], partner_id: int, options, starts) -> list:
    """The events or projects a partner leads, the latest starting first."""
    return list(
        db.session.scalars(
            select(model)
            .where(model.lead_partner_id == partner_id)
            .options(*options)
            .order_by(starts.desc(), model.id)
        )
    )


def partner_space(partner_id: int) -> PartnerSpace:
    """Everything of one partner's activities that its focal points follow."""
    events = _led_by(Event, partner_id, _event_options(), Event.start_dt)
    projects = _led_by(Project, partner_id, _project_options(), Project.start_date)
    event_links = list(
        db.session.scalars(
            select(EventPartner)
            .join(Event)
            .where(EventPartner.partner_id == partner_id, Event.status.in_(ANSWERABLE_STATES))
            .options(selectinload(EventPartner.event).selectinload(Event.lead_partner))
            .order_by(Event.start_dt)
        )
    )
    project_requests = list(
        db.session.scalars(
            select(ProjectPartner)
            .join(Project)
            .where(
                ProjectPartner.partner_id == partner_id,
                ProjectPartner.confirmation == Confirmation.PENDING,
                Project.status.in_(ANSWERABLE_STATES),
            )
            .options(selectinload(ProjectPartner.project).selectinload(Project.lead_partner))
            .order_by(Project.start_date)
        )
    )
    return PartnerSpace(
        events_by_state=_group(events),
        projects_by_state=_group(projects),
        event_history=history("event", [e.id for e in events]),
        project_history=history("project", [p.id for p in projects]),
        event_requests=[link for link in event_links if link.confirmation == Confirmation.PENDING],
        project_requests=project_requests,
        co_organised=[link for link in event_links if link.confirmation == Confirmation.CONFIRMED],
    )


@dataclass
class QueueItem:
    kind: str  # "event", "project", "revision"
    waiting_since: datetime
    event: Event | None = None
    project: Project | None = None
    revision: EventRevision | None = None

    @property
    def title(self) -> str:
        return (self.project or self.event).title  # type: ignore[union-attr]

    @property
    def lead_partner(self) -> Partner:
        return (self.project or self.event).lead_partner  # type: ignore[union-attr]


QUEUE_KINDS = ("event", "project", "revision")


def review_queue(
    kinds: list[str], partner_slug: str | None, theme_slug: str | None
) -> list[QueueItem]:
    """The review queue page: awaiting_review() narrowed by kind, lead partner and theme."""
    kinds = [k for k in kinds if k in QUEUE_KINDS] or list(QUEUE_KINDS)
    partner_id = theme_id = None
    if partner_slug:
        partner_id = db.session.scalar(select(Partner.id).where(Partner.slug == partner_slug)) or -1
    if theme_slug:
        theme_id = db.session.scalar(select(Theme.id).where(Theme.slug == theme_slug)) or -1
    return awaiting_review(kinds, partner_id, theme_id)


def awaiting_review(
    kinds: Sequence[str] = QUEUE_KINDS, partner_id: int | None = None, theme_id: int | None = None
) -> list[QueueItem]:
    """Everything waiting for a staff decision, the oldest waiting first: submitted events and
    projects (waiting since their submitted_dt, which a submitted row always carries: see
    stamp_constraints), and the pending revisions staff can decide (those of published events).

    The one definition of "waiting for review", for the review queue and the staff dashboard.
    """

    def narrow_events(query):
        if partner_id is not None:
            query = query.where(Event.lead_partner_id == partner_id)
        if theme_id is not None:
            query = query.where(Event.themes.any(Theme.id == theme_id))
        return query

    items: list[QueueItem] = []
    if "event" in kinds:
        query = narrow_events(
            select(Event).where(Event.status == Status.SUBMITTED).options(*_event_options())
        )
        items += [QueueItem("event", e.submitted_dt, event=e) for e in db.session.scalars(query)]
    if "revision" in kinds:
        query = narrow_events(
            select(EventRevision)
            .join(Event)
            .where(revisions_awaiting_decision_clause())
            .options(selectinload(EventRevision.event).options(*_event_options()))
        )
        items += [
            QueueItem("revision", r.created_dt, event=r.event, revision=r)
            for r in db.session.scalars(query)
        ]
    if "project" in kinds:
        query = (
            select(Project).where(Project.status == Status.SUBMITTED).options(*_project_options())
        )
        if partner_id is not None:
            query = query.where(Project.lead_partner_id == partner_id)
        if theme_id is not None:
            query = query.where(Project.themes.any(Theme.id == theme_id))
        items += [
            QueueItem("project", p.submitted_dt, project=p) for p in db.session.scalars(query)
        ]
    items.sort(key=lambda item: item.waiting_since)
    return items


def queue_filter_choices() -> tuple[list[Partner], list[Theme]]:
    """The partners and themes the review queue can be narrowed to."""
    partners = db.session.scalars(
        select(Partner).where(Partner.is_active).order_by(Partner.name)
    ).all()
    themes = db.session.scalars(select(Theme).order_by(Theme.name)).all()
    return list(partners), list(themes)


def form_choices(lead_partner_id: int | None) -> tuple[list[Theme], list[Partner], list[Project]]:
    """What an event or project form offers: active themes, the other active partners (as
    co-organisers) and the approved projects an event may belong to."""
    themes = db.session.scalars(select(Theme).where(Theme.is_active).order_by(Theme.name)).all()
    partners = db.session.scalars(
        select(Partner)
        .where(Partner.is_active, Partner.id != (lead_partner_id or -1))
        .order_by(Partner.name)
    ).all()
    projects = db.session.scalars(
        select(Project).where(Project.status == Status.APPROVED).order_by(Project.title)
    ).all()
    return list(themes), list(partners), list(projects)
