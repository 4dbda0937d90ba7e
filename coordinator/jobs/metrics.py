"""Failed jobs for Prometheus, counted in the database at scrape time: workers run on other
hosts and processes than the web server that is scraped, and all of them share the table."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import suppress

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from coordinator.extensions import db
from coordinator.jobs.models import JobFailure

log = logging.getLogger(__name__)


class JobFailureCollector:
    """coordinator_job_failures{task}: jobs whose every attempt failed, not yet retried."""

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "coordinator_job_failures",
            "Background jobs whose every attempt failed and that nobody has retried yet.",
            labels=["task"],
        )
        try:
            rows = db.session.execute(
                select(JobFailure.task_name, func.count())
                .where(JobFailure.retried_dt.is_(None))
                .group_by(JobFailure.task_name)
            ).all()
        except SQLAlchemyError as error:
            with suppress(SQLAlchemyError):
                db.session.rollback()
            log.warning("metrics: could not count failed jobs: %s", error)
            return
        for task_name, count in sorted(rows):
            family.add_metric([task_name], count)
        yield family
