"""Shared documents attached to events, joint projects and partners."""

import logging
from datetime import timedelta

from flask import Blueprint
from huey import crontab

from coordinator.jobs import tasks as jobs

log = logging.getLogger(__name__)

bp = Blueprint("documents", __name__)


def _sweep_job() -> str:
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


# Daily at 03:30 UTC, once across every host.
jobs.register_periodic(
    jobs.PeriodicJob(
        jobs.Job("documents.sweep", _sweep_job), crontab(minute="30", hour="3"), timedelta(days=1)
    )
)
