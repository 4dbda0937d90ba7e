"""What the workers run: the jobs, and the periodic jobs with their schedule.

Later issues add their scheduled work (digests, calendar imports) to PERIODIC_JOBS. A job
imports the services it calls inside its function: the job queue is core and imports no
domain when it is loaded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from huey import crontab

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A function a worker runs in an app context. retries None: JOBS_RETRIES."""

    name: str
    run: Callable[..., object]
    retries: int | None = None


@dataclass(frozen=True)
class PeriodicJob:
    """A job the scheduler starts on `schedule` (a huey crontab). It runs once per `period`
    across every host, whichever scheduler fires first."""

    job: Job
    schedule: Callable
    period: timedelta


def deliver_mail(message_ids: Sequence[int]) -> str:
    """Send these outgoing messages if they are still due (the outbox says; a message already
    sent or claimed by another worker is left alone)."""
    from coordinator.mail import deliver_messages

    return str(deliver_messages(list(message_ids)))


def deliver_due_mail() -> str:
    """Send every message whose time has come: retries, and anything whose job was lost."""
    from coordinator.mail import deliver_due

    return str(deliver_due(limit=1000))


def sweep_documents() -> str:
    """Remove stored files no document refers to; log the versions whose file is missing."""
    from coordinator.documents.services import sweep_storage
    from coordinator.documents.storage import get_storage
    from coordinator.extensions import db

    report = sweep_storage(get_storage(), grace_seconds=3600, dry_run=False)
    db.session.rollback()  # the sweep only reads the database
    for document_id, number, key in report.missing:
        log.error(
            "documents sweep: MISSING file %s of document %s version %s", key, document_id, number
        )
    return (
        f"removed {len(report.removed_keys)} orphan file(s), "
        f"{len(report.removed_temporary_files)} unfinished upload(s); "
        f"{len(report.missing)} version(s) with a missing file"
    )


DELIVER_MAIL = Job("mail.deliver", deliver_mail)

JOBS: dict[str, Job] = {job.name: job for job in (DELIVER_MAIL,)}

PERIODIC_JOBS: dict[str, PeriodicJob] = {
    periodic.job.name: periodic
    for periodic in (
        # No retries: the next minute's run is the retry.
        PeriodicJob(
            Job("mail.deliver_due", deliver_due_mail, retries=0),
            crontab(minute="*"),
            timedelta(minutes=1),
        ),
        PeriodicJob(
            Job("documents.sweep", sweep_documents),
            crontab(minute="30", hour="3"),
            timedelta(days=1),
        ),
        # Later issues: digests, calendar imports.
    )
}
