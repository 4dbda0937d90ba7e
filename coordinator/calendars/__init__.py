"""Partners' own calendars: their ICS feeds become draft proposals and stay in sync.

A source is a URL (fetched every few hours by a periodic job, or at once with "Sync now")
or an uploaded .ics file. parsing.py reads exports into occurrences, fetching.py downloads
them behind SSRF guards, services.py maps them onto events through the activities services.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Blueprint
from huey import crontab

from coordinator.jobs import tasks as jobs

log = logging.getLogger(__name__)

bp = Blueprint("calendars", __name__)


def _sync_one_job(source_id: int) -> str:
    """Fetch and import one source (queued by "Sync now")."""
    from coordinator.calendars.services import sync_source_by_id

    return sync_source_by_id(source_id).summary()


def _sync_all_job() -> str:
    """Fetch and import every active URL source; one failing source never stops the others."""
    from coordinator.calendars.services import sync_all_sources

    results = sync_all_sources()
    return f"{len(results)} source(s) synced"


SYNC_JOB = jobs.register_job(jobs.Job("calendars.sync_source", _sync_one_job, retries=0)).name
# Every four hours at a quarter past, once across every host.
jobs.register_periodic(
    jobs.PeriodicJob(
        jobs.Job("calendars.sync_all", _sync_all_job, retries=0),
        crontab(minute="15", hour="*/4"),
        timedelta(hours=4),
    )
)
