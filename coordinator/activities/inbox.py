"""The home page's queries: each signed-in user's task inbox, its count for the navigation
badge, and the next published events for everyone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import selectinload

from coordinator.activities.models import (
    Confirmation,
    Event,
    EventPartner,
    EventRevision,
    Project,
    ProjectPartner,
    Status,
)
from coordinator.activities.permissions import (
    can_propose_activity,
    can_review,
    published_events_clause,
    revisions_awaiting_decision_clause,
)
from coordinator.activities.proposals import QueueItem, awaiting_review
from coordinator.activities.queries import load_events, running_after, seek_ids
from coordinator.activities.workflow import ANSWERABLE_STATES
from coordinator.db import utcnow
from coordinator.extensions import db

# What a focal point has to do: answer, rework, finish. (Changes to a published event wait for
# staff: the inbox shows them, but they are no task of the focal point's.)
TASK_STATES = (Status.CHANGES_REQUESTED, Status.DRAFT)


def _answer_due_clause(link_model, activity_model, partner_id: int) -> ColumnElement[bool]:
    """The SQL twin of can_answer_co_organisation, for answers not given yet."""
    return and_(
        link_model.partner_id == partner_id,
        link_model.confirmation == Confirmation.PENDING,
        activity_model.status.in_(ANSWERABLE_STATES),
    )


def _own_clause(activity_model, partner_id: int, states) -> ColumnElement[bool]:
    return and_(activity_model.lead_partner_id == partner_id, activity_model.status.in_(states))


@dataclass
class FocalPointInbox:
    event_answers: list[EventPartner]
    project_answers: list[ProjectPartner]
    changes_requested: list[Event | Project]
    drafts: list[Event | Project]
    revisions_waiting: list[EventRevision]  # their partner's changes, waiting for staff

    @property
    def count(self) -> int:
        """The tasks (what task_count() counts)."""
        return (
            len(self.event_answers)
            + len(self.project_answers)
            + len(self.changes_requested)
            + len(self.drafts)
        )


def focal_point_inbox(partner_id: int) -> FocalPointInbox:
    """What waits for a partner's focal points, the most pressing first in each list."""
    event_answers = db.session.scalars(
        select(EventPartner)
        .join(Event)
        .where(_answer_due_clause(EventPartner, Event, partner_id))
        .options(selectinload(EventPartner.event).selectinload(Event.lead_partner))
        .order_by(Event.start_dt, Event.id)
    ).all()
    project_answers = db.session.scalars(
        select(ProjectPartner)
        .join(Project)
        .where(_answer_due_clause(ProjectPartner, Project, partner_id))
        .options(selectinload(ProjectPartner.project).selectinload(Project.lead_partner))
        .order_by(Project.start_date, Project.id)
    ).all()
    own: dict[Status, list[Event | Project]] = {state: [] for state in TASK_STATES}
    for model in (Event, Project):
        for activity in db.session.scalars(
            select(model).where(_own_clause(model, partner_id, TASK_STATES))
        ):
            own[activity.status].append(activity)
    # Sent back: the longest waiting first. Drafts: the last worked on first.
    changes_requested = sorted(own[Status.CHANGES_REQUESTED], key=lambda a: a.status_changed_dt)
    drafts = sorted(own[Status.DRAFT], key=lambda a: a.updated_dt, reverse=True)
    revisions = db.session.scalars(
        select(EventRevision)
        .join(Event)
        .where(revisions_awaiting_decision_clause(), Event.lead_partner_id == partner_id)
        .options(selectinload(EventRevision.event))
        .order_by(EventRevision.created_dt, EventRevision.id)
    ).all()
    return FocalPointInbox(
        list(event_answers), list(project_answers), changes_requested, drafts, list(revisions)
    )


@dataclass
class StaffInbox:
    proposals: list[QueueItem]  # submitted events and projects, the oldest waiting first
    revisions: list[QueueItem]  # changes to published events, the oldest waiting first

    @property
    def count(self) -> int:
        return len(self.proposals) + len(self.revisions)


def staff_inbox() -> StaffInbox:
    """The review queue (awaiting_review(), the one definition), split for the home page."""
    items = awaiting_review()
    return StaffInbox(
        proposals=[item for item in items if item.kind != "revision"],
        revisions=[item for item in items if item.kind == "revision"],
    )


def inbox_for(user) -> StaffInbox | FocalPointInbox | None:
    """The user's task inbox: staff review, focal points answer and rework; others have none."""
    if can_review(user):
        return staff_inbox()
    if can_propose_activity(user):
        return focal_point_inbox(user.partner_id)
    return None


def task_count(user) -> int | None:
    """How many tasks wait for the user, in one query (the navigation badge on every page);
    None for users without a task inbox. The same rules as the inboxes above."""
    counts = []
    if can_review(user):
        counts += [
            select(func.count(Event.id)).where(Event.status == Status.SUBMITTED),
            select(func.count(Project.id)).where(Project.status == Status.SUBMITTED),
            select(func.count(EventRevision.id))
            .join(Event)
            .where(revisions_awaiting_decision_clause()),
        ]
    elif can_propose_activity(user):
        partner_id = user.partner_id
        counts += [
            select(func.count())
            .select_from(EventPartner)
            .join(Event)
            .where(_answer_due_clause(EventPartner, Event, partner_id)),
            select(func.count())
            .select_from(ProjectPartner)
            .join(Project)
            .where(_answer_due_clause(ProjectPartner, Project, partner_id)),
            select(func.count(Event.id)).where(_own_clause(Event, partner_id, TASK_STATES)),
            select(func.count(Project.id)).where(_own_clause(Project, partner_id, TASK_STATES)),
        ]
    else:
        return None
    total = counts[0].scalar_subquery()
    for count in counts[1:]:
        total = total + count.scalar_subquery()
    return db.session.scalar(select(total))


def next_events(user, limit: int = 4, now: datetime | None = None) -> list[Event]:
    """The next published events the user may see (those under way included), soonest first.
    Sought as the events list's first page is (running_after: along the start index from
    LONG_EVENT_DAYS back, and among the few long-running events), never read from the
    network's first event on: the cost stays the same however many events have ended."""
    base = select(Event).where(published_events_clause(user))
    found = seek_ids(base, running_after(now or utcnow()), descending=False, limit=limit)
    return load_events([number for _start, number in found])
