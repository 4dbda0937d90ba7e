"""What the staff dashboard shows: the review backlog, recent decisions, lonely events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from coordinator.accounts.models import Role, User
from coordinator.activities.models import (
    Confirmation,
    Event,
    EventPartner,
    EventTranslation,
    Project,
    ProjectTranslation,
    Status,
)
from coordinator.activities.proposals import ListHead, awaiting_review
from coordinator.audit.models import AuditEntry
from coordinator.extensions import db
from coordinator.multilingual import current_language, localized_text

# Staff decisions, by the audit action that records them (never by the state an entry leaves:
# a focal point's edit of a proposal sent back also "leaves" it in changes_requested). Revision
# decisions are recorded on their event.
STAFF_DECISIONS = (
    "approve",
    "request_changes",
    "reject",
    "cancel",
    "revision_approved",
    "revision_changes_requested",
    "revision_rejected",
)
REVIEWED_SUBJECTS = ("event", "project")


@dataclass(frozen=True)
class WaitingItem:
    """Something submitted and not yet decided."""

    kind: str  # "event", "project" or "revision"
    title: str
    partner_name: str
    since: datetime
    age: timedelta
    event_id: int | None = None
    project_slug: str | None = None


# The oldest items waiting that the dashboard lists; the review queue pages through them all.
WAITING_LIMIT = 20


def waiting_for_review(now: datetime, limit: int = WAITING_LIMIT) -> ListHead[WaitingItem]:
    """What waits for a staff decision (the review queue's own query), oldest first: the
    first `limit`, with how many wait in all."""
    waiting = awaiting_review(limit=limit)
    items = [
        WaitingItem(
            item.kind,
            # In the page's language when translated (multilingual.py).
            localized_text(item.project or item.event, "title"),
            localized_text(item.lead_partner, "name"),
            item.waiting_since,
            now - item.waiting_since,
            event_id=item.event.id if item.event is not None else None,
            project_slug=item.project.slug if item.project is not None else None,
        )
        for item in waiting
    ]
    return ListHead(items, waiting.total)


@dataclass(frozen=True)
class Decision:
    entry: AuditEntry
    title: str
    event_id: int | None
    project_slug: str | None

    @property
    def action(self) -> str:
        return self.entry.action


def recent_decisions(limit: int = 20) -> list[Decision]:
    """The latest staff decisions from the audit log, newest first, each with the staff member
    who took it (three queries). A lead partner's own cancellation is no staff decision."""
    entries = db.session.scalars(
        select(AuditEntry)
        .join(User, User.id == AuditEntry.actor_id)
        .where(
            AuditEntry.subject_type.in_(REVIEWED_SUBJECTS),
            AuditEntry.action.in_(STAFF_DECISIONS),
            User.role.in_((Role.STAFF, Role.ADMIN)),
        )
        .options(contains_eager(AuditEntry.actor))
        .order_by(AuditEntry.created_dt.desc(), AuditEntry.id.desc())
        .limit(limit)
    ).all()
    event_ids = {e.subject_id for e in entries if e.subject_type == "event"}
    project_ids = {e.subject_id for e in entries if e.subject_type == "project"}
    # Titles in the page's language when translated, each read in the same one statement.
    language = current_language()
    event_title = aliased(EventTranslation)
    project_title = aliased(ProjectTranslation)
    events = (
        {
            row.id: row.shown or row.title
            for row in db.session.execute(
                select(Event.id, Event.title, event_title.title.label("shown"))
                .outerjoin(
                    event_title,
                    and_(event_title.event_id == Event.id, event_title.language == language),
                )
                .where(Event.id.in_(event_ids))
            )
        }
        if event_ids
        else {}
    )
    projects = (
        {
            row.id: row
            for row in db.session.execute(
                select(
                    Project.id,
                    func.coalesce(func.nullif(project_title.title, ""), Project.title).label(
                        "title"
                    ),
                    Project.slug,
                )
                .outerjoin(
                    project_title,
                    and_(
                        project_title.project_id == Project.id, project_title.language == language
                    ),
                )
                .where(Project.id.in_(project_ids))
            )
        }
        if project_ids
        else {}
    )
    decisions = []
    for entry in entries:
        if entry.subject_type == "project":
            project = projects.get(entry.subject_id)
            decisions.append(
                Decision(
                    entry, project.title if project else "", None, project.slug if project else None
                )
            )
        else:
            decisions.append(
                Decision(entry, events.get(entry.subject_id, ""), entry.subject_id, None)
            )
    return decisions


def upcoming_without_confirmed_partner(now: datetime, limit: int = 50) -> list[Event]:
    """Approved events still to come that no co-organiser has confirmed, soonest first."""
    confirmed = exists().where(
        EventPartner.event_id == Event.id, EventPartner.confirmation == Confirmation.CONFIRMED
    )
    return list(
        db.session.scalars(
            select(Event)
            .where(Event.status == Status.APPROVED, Event.start_dt >= now, ~confirmed)
            .options(joinedload(Event.lead_partner))
            .order_by(Event.start_dt, Event.id)
            .limit(limit)
        )
    )


def count_upcoming_without_confirmed_partner(now: datetime) -> int:
    confirmed = exists().where(
        EventPartner.event_id == Event.id, EventPartner.confirmation == Confirmation.CONFIRMED
    )
    return db.session.scalar(
        select(func.count(Event.id)).where(
            Event.status == Status.APPROVED, Event.start_dt >= now, ~confirmed
        )
    )
