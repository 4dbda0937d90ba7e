"""Failed jobs: list them, and queue one again."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update

from coordinator.db import utcnow
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.jobs import get_queue
from coordinator.jobs.models import JobFailure


def open_failures(limit: int = 500) -> list[JobFailure]:
    """Failures nobody has retried yet, newest first."""
    return list(
        db.session.scalars(
            select(JobFailure)
            .where(JobFailure.retried_dt.is_(None))
            .order_by(JobFailure.failed_dt.desc(), JobFailure.id.desc())
            .limit(limit)
        )
    )


def retry_failure(failure: JobFailure, actor=None) -> bool:
    """Mark the failure retried and queue its job again, with a fresh round of attempts.
    False when it was already retried (twice at once: one wins). Commits, since the job must
    only start once the mark is stored; the mark is undone when the queue cannot be reached."""
    queue = get_queue()
    if queue is None or failure.task_name not in queue.tasks:
        raise DomainError(_("No job named %(name)s exists any more.", name=failure.task_name))
    changed = db.session.execute(
        update(JobFailure)
        .where(JobFailure.id == failure.id, JobFailure.retried_dt.is_(None))
        .values(retried_dt=utcnow(), retried_by_id=getattr(actor, "id", None))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if changed != 1:
        return False
    if not queue.enqueue(failure.task_name, *failure.arguments):
        db.session.execute(
            update(JobFailure)
            .where(JobFailure.id == failure.id)
            .values(retried_dt=None, retried_by_id=None)
        )
        db.session.commit()
        raise DomainError(_("The job queue cannot be reached; the job stays listed."))
    return True
