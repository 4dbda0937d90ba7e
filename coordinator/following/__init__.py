"""Following partners, themes, projects and countries, and the e-mail digests of what changed.

Signed-in users follow from the pages (one button) and manage it all on /account/following;
anyone may subscribe to a digest by e-mail with double opt-in (no account). Digests are sent
by the hourly periodic job below (or `flask --app wsgi digests send`): each run sends every
recipient's last completed day or week, in their zone, once (digests_sent records it).
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint
from huey import crontab

from coordinator.jobs import tasks as jobs

bp = Blueprint("following", __name__)


def _send_digests_job() -> str:
    """Send every digest whose day or week has ended and was not sent yet."""
    from coordinator.following.digests import send_due_digests

    return str(send_due_digests())


# Hourly: days and weeks end at each recipient's own midnight, in every zone.
jobs.register_periodic(
    jobs.PeriodicJob(
        jobs.Job("following.send_digests", _send_digests_job, retries=0),
        crontab(minute="5"),
        timedelta(hours=1),
    )
)
