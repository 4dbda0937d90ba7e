"""The home page's queries: each signed-in user's task inbox, its count for the navigation
badge, and the next published events for everyone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select

from coordinator.activities.cards import EventCard, load_event_cards
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
from coordinator.activities.proposals import (
    ListHead,
    QueueItem,
    awaiting_review,
    changes_waiting,
    co_organiser_links,
    co_organiser_links_clause,
    count_rows,
)
from coordinator.activities.queries import running_after, seek_ids
from coordinator.db import utcnow
from coordinator.extensions import db

# What a focal point has to do: answer, rework, finish. (Changes to a published event wait for
# staff: the inbox shows them, but they are no task of the focal point's.)
TASK_STATES = (Status.CHANGES_REQUESTED, Status.DRAFT)


def _answer_due_clause(link_model, partner_id: int) -> ColumnElement[bool]:
    """The SQL twin of can_answer_co_organisation, for answers not given yet."""
    return co_organiser_links_clause(link_model, partner_id, Confirmation.PENDING)


def _own_clause(activity_model, partner_id: int, states) -> ColumnElement[bool]:
    return and_(activity_model.lead_partner_id == partner_id, activity_model.status.in_(states))


# How many items of each task list the home page shows; the rest are a link away (the review
# queue, the partner's activities), so that the page costs the same however many wait.
HOME_LIMIT = 10


@dataclass
class FocalPointInbox:
    event_answers: ListHead[EventPartner]
    project_answers: ListHead[ProjectPartner]
    changes_requested: ListHead[Event | Project]
    drafts: ListHead[Event | Project]
    revisions_waiting: ListHead[EventRevision]  # their partner's changes, waiting for staff

    @property
    def answers(self) -> ListHead[EventPartner | ProjectPartner]:
        return ListHead(
            [*self.event_answers.items, *self.project_answers.items],
            self.event_answers.total + self.project_answers.total,
        )

    @property
    def count(self) -> int:
        """The tasks (what task_count() counts)."""
        return self.answers.total + self.changes_requested.total + self.drafts.total


def focal_point_inbox(partner_id: int, limit: int = HOME_LIMIT) -> FocalPointInbox:
    """What waits for a partner's focal points, the most pressing first in each list: the
    first `limit` of each, with how many there are."""
    answers = [
        co_organiser_links(link_model, partner_id, Confirmation.PENDING)
        for link_model in (EventPartner, ProjectPartner)
    ]
    revisions = changes_waiting(partner_id)
    # Sent back: the longest waiting first. Drafts: the last worked on first.
    changes = [
        select(model)
        .where(_own_clause(model, partner_id, [Status.CHANGES_REQUESTED]))
        .order_by(model.status_changed_dt, model.id)
        for model in (Event, Project)
    ]
    drafts = [
        select(model)
        .where(_own_clause(model, partner_id, [Status.DRAFT]))
        .order_by(model.updated_dt.desc(), model.id)
        for model in (Event, Project)
    ]
    lists = [*answers, revisions, *changes, *drafts]
    totals = dict(zip(map(id, lists), count_rows(*lists), strict=True))

    def first(*queries, key=None, newest_first: bool = False) -> ListHead:
        # The first `limit` of each kind hold the first `limit` of all of them.
        found = [item for query in queries for item in db.session.scalars(query.limit(limit))]
        if key is not None:
            found.sort(key=key, reverse=newest_first)
        return ListHead(found[:limit], sum(totals[id(query)] for query in queries))

    return FocalPointInbox(
        event_answers=first(answers[0]),
        project_answers=first(answers[1]),
        changes_requested=first(*changes, key=lambda a: a.status_changed_dt),
        drafts=first(*drafts, key=lambda a: a.updated_dt, newest_first=True),
        revisions_waiting=first(revisions),
    )


@dataclass
class StaffInbox:
    proposals: ListHead[QueueItem]  # submitted events and projects, the oldest waiting first
    revisions: ListHead[QueueItem]  # changes to published events, the oldest waiting first

    @property
    def count(self) -> int:
        return self.proposals.total + self.revisions.total


def staff_inbox(limit: int = HOME_LIMIT) -> StaffInbox:
    """The review queue (awaiting_review(), the one definition), split for the home page: the
    `limit` oldest of each part, with how many wait."""
    return StaffInbox(
        proposals=awaiting_review(("event", "project"), limit=limit),
        revisions=awaiting_review(("revision",), limit=limit),
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
            .where(_answer_due_clause(EventPartner, partner_id)),
            select(func.count())
            .select_from(ProjectPartner)
            .join(Project)
            .where(_answer_due_clause(ProjectPartner, partner_id)),
            select(func.count(Event.id)).where(_own_clause(Event, partner_id, TASK_STATES)),
            select(func.count(Project.id)).where(_own_clause(Project, partner_id, TASK_STATES)),
        ]
    else:
        return None
    total = counts[0].scalar_subquery()
    for count in counts[1:]:
        total = total + count.scalar_subquery()
    return db.session.scalar(select(total))


def next_events(user, limit: int = 4, now: datetime | None = None) -> list[EventCard]:
    """The next published events the user may see (those under way included), soonest first.
    Sought as the events list's first page is (running_after: along the start index from a
    day back, and among the few events lasting longer), never read from the
    network's first event on: the cost stays the same however many events have ended."""
    base = select(Event).where(published_events_clause(user))
    found = seek_ids(base, running_after(now or utcnow()), descending=False, limit=limit)
    return load_event_cards([number for _start, number in found])
