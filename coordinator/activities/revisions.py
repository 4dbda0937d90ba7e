"""What happens to an event's pending revision when the event itself moves on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from coordinator.activities.models import Event, EventRevision, Project, RevisionStatus
from coordinator.audit.models import record
from coordinator.extensions import db


def close_pending_revision(activity: Event | Project, actor, now: datetime) -> list[EventRevision]:
    """Close the pending revision of an event being cancelled, with an audit entry.

    A cancelled event has nothing left to change, so its revision can never be decided: it is
    closed in the cancelling transaction and waits in no review list. Projects have no revisions.
    """
    if not isinstance(activity, Event):
        return []
    closed_ids = (
        db.session.execute(
            update(EventRevision)
            .where(
                EventRevision.event_id == activity.id,
                EventRevision.status == RevisionStatus.PENDING,
            )
            .values(status=RevisionStatus.CLOSED, decided_by_id=actor.id, decided_dt=now)
            .returning(EventRevision.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    closed = []
    for revision_id in sorted(closed_ids):  # one at most, unless older rows broke that rule
        revision = db.session.get(EventRevision, revision_id)
        db.session.refresh(revision)
        record(
            actor=actor,
            subject_type="event",
            subject_id=activity.id,
            action="revision_closed",
            from_state=activity.status.value,
            to_state=activity.status.value,
            details={"revision_id": revision_id, "fields": sorted(revision.data)},
        )
        closed.append(revision)
    return closed
