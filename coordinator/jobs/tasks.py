"""What the workers run: the jobs, and the periodic jobs with their schedule.

Each domain registers its own jobs (register_job, register_periodic) when it is imported: mail
its delivery, documents the sweep, later issues digests and calendar imports. The queue imports
no domain, so the dependency runs one way only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta


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


# Filled by the domains when they are imported (mail, documents; later digests and calendar
# imports): the queue itself imports no domain, so the domains may use it freely.
JOBS: dict[str, Job] = {}
PERIODIC_JOBS: dict[str, PeriodicJob] = {}


def register_job(job: Job) -> Job:
    """Make `job` runnable by name on every queue built from now on."""
    JOBS[job.name] = job
    return job


def register_periodic(periodic: PeriodicJob) -> PeriodicJob:
    """Have the scheduler start `periodic.job` on its schedule, once per period across hosts."""
    PERIODIC_JOBS[periodic.job.name] = periodic
    return periodic
