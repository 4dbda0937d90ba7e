"""Background jobs on Huey: mail delivery, the documents sweep, and periodic work.

JOBS_URL chooses where the queue lives:
- unset: `sqlite:///<instance>/jobs.sqlite` (SqliteHuey): no server, one host;
- `redis://host:port/db`: RedisHuey, shared by every host;
- `immediate`: no queue and no worker; a job runs at once in a background thread of the
  process that queued it (tests). Nothing runs periodic jobs then: cron runs `mail send`.

`flask --app wsgi worker` consumes the queue and runs the scheduler. Each job runs in an app
context of its own. A job that raises is retried with backoff (JOBS_RETRIES,
JOBS_RETRY_DELAY doubling each time), then recorded in `job_failures`, listed for staff at
/staff/jobs and never dropped. Jobs carry ids, never state: the database stays the source
of truth, so a job lost or run twice does no harm (mail claims each message with a
conditional UPDATE). A queue that cannot be reached never fails the request that enqueues:
`enqueue` logs a warning and says so, and the caller falls back.

Periodic jobs run once per period across hosts: every scheduler may fire, but only the one
that inserts the (job, period start) row into `job_runs` runs it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from flask import Blueprint, Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey import signals as huey_signals
from huey.api import Task, TaskWrapper
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from coordinator.db import utcnow
from coordinator.extensions import db
from coordinator.jobs.models import JobFailure, JobRun
from coordinator.jobs.tasks import (
    JOBS,
    PERIODIC_JOBS,
    Job,
    PeriodicJob,
    register_job,
    register_periodic,
)

# What the domains use to declare their jobs.
__all__ = ["Job", "PeriodicJob", "enqueue", "register_job", "register_periodic", "wait_for_jobs"]

# The staff page of failed jobs (views.py adds its routes).
bp = Blueprint("jobs", __name__)

log = logging.getLogger(__name__)

PERIODIC_PREFIX = "periodic:"
# Claims older than this are deleted as new ones are made (they only need to outlive clock
# skew between hosts and a scheduler that runs late).
RUN_RECORDS_KEPT = timedelta(days=30)


def make_huey(url: str) -> Huey:
    """The Huey instance JOBS_URL names (see the module docstring)."""
    if url == "immediate":
        return MemoryHuey("coordinator", immediate=True, results=False)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey("coordinator", filename=str(path), results=False)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("coordinator", url=url, results=False)
    raise ValueError(
        f"JOBS_URL must be sqlite:///<path>, redis://<host>/<db> or immediate, not {url!r}."
    )


def without_password(url: str) -> str:
    """The URL with its password (redis://:secret@host) masked."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def period_start(moment: datetime, period: timedelta) -> datetime:
    """The start of the period `moment` falls in (periods are counted from the epoch, UTC)."""
    seconds = int(period.total_seconds())
    stamp = int(moment.timestamp())
    return datetime.fromtimestamp(stamp - stamp % seconds, UTC)


def claim_period(task_name: str, start: datetime) -> bool:
    """Record that this period's run of `task_name` is ours; False when another scheduler
    claimed it first (the unique constraint decides, on SQLite and PostgreSQL alike)."""
    db.session.add(JobRun(task_name=task_name, period_start_dt=start))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    db.session.execute(
        delete(JobRun).where(
            JobRun.task_name == task_name, JobRun.period_start_dt < start - RUN_RECORDS_KEPT
        )
    )
    db.session.commit()
    return True


class JobQueue:
    """One app's Huey instance and its tasks (app.extensions["jobs"])."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        url = app.config.get("JOBS_URL") or f"sqlite:///{Path(app.instance_path) / 'jobs.sqlite'}"
        self.url = str(url)
        self.display_url = without_password(self.url)  # for logs and the worker's banner
        self.huey = make_huey(self.url)
        self.immediate = self.huey.immediate
        self.tasks: dict[str, TaskWrapper] = {}
        self._attempts: dict[str, int] = {}
        for job in JOBS.values():
            self._register(job)
        for periodic in PERIODIC_JOBS.values():
            self._register(periodic.job)
            self._register_periodic(periodic)
        self.huey.signal(huey_signals.SIGNAL_ERROR)(self._record_failure)

    # --- tasks ------------------------------------------------------------------------------

    def _in_app_context(self, run: Callable[..., object]) -> Callable[..., object]:
        app = self.app

        def in_app_context(*args, **kwargs):
            with app.app_context():
                try:
                    return run(*args, **kwargs)
                except Exception:
                    db.session.rollback()
                    raise
                finally:
                    db.session.remove()

        return in_app_context

    def _register(self, job: Job) -> None:
        config = self.app.config
        retries = config["JOBS_RETRIES"] if job.retries is None else job.retries
        # Without a worker nothing would run a delayed retry: retry at once.
        delay = 0 if self.immediate else config["JOBS_RETRY_DELAY"]
        self.tasks[job.name] = self.huey.task(
            retries=retries, retry_delay=delay, retry_backoff=2 if delay else 0, name=job.name
        )(self._in_app_context(job.run))
        self._attempts[job.name] = retries + 1

    def _register_periodic(self, periodic: PeriodicJob) -> None:
        name = periodic.job.name

        def start_once() -> bool:
            if not claim_period(name, period_start(utcnow(), periodic.period)):
                log.info("periodic job %s: this period already ran on another scheduler", name)
                return False
            self.enqueue(name)
            return True

        self.tasks[PERIODIC_PREFIX + name] = self.huey.periodic_task(
            periodic.schedule, name=PERIODIC_PREFIX + name
        )(self._in_app_context(start_once))
        self._attempts[PERIODIC_PREFIX + name] = 1

    def tick(self, timestamp: datetime | None = None) -> None:
        """Do what a worker's scheduler does each minute: start the periodic jobs due at
        `timestamp` (naive UTC, Huey's convention; default now)."""
        for task in self.huey.read_periodic(timestamp):
            self._run_task(task)

    # --- enqueueing -------------------------------------------------------------------------

    def enqueue(self, name: str, *args) -> bool:
        """Queue job `name`; False (and a warning) when the queue cannot be reached."""
        task = self.tasks[name].s(*args)
        if self.immediate:
            self._run_in_thread(task)
            return True
        try:
            self.huey.enqueue(task)
        except Exception as error:  # noqa: BLE001 - Redis or the SQLite file: any storage error
            log.warning(
                "job queue %s unreachable, %s not queued (the periodic sweep or the "
                "caller's fallback does it): %s",
                self.display_url,
                name,
                error,
            )
            return False
        return True

    def _run_task(self, task: Task) -> None:
        if self.immediate:
            self._run_in_thread(task)
        else:
            self.huey.enqueue(task)

    def _run_in_thread(self, task: Task) -> None:
        # A thread, not the caller: a job queued by a request runs after the request's commit,
        # on its own connection, and a request does not take longer because it queued mail.
        _start_thread(lambda: self.huey.enqueue(task), f"job-{task.name}")  # runs it (immediate)

    # --- failures ---------------------------------------------------------------------------

    def _record_failure(self, signal: str, task: Task, error: BaseException) -> None:
        if task.retries:
            return  # Huey retries it
        name = task.name.removeprefix(PERIODIC_PREFIX)
        arguments = list(task.args or ())
        with self.app.app_context():
            try:
                db.session.add(
                    JobFailure(
                        task_name=name,
                        arguments_json=json.dumps(arguments, default=str),
                        error=f"{type(error).__name__}: {error}"[:2000],
                        attempts=self._attempts.get(task.name, 1),
                    )
                )
                db.session.commit()
            except SQLAlchemyError:
                db.session.rollback()
                log.exception("job %s%r failed and could not be recorded", name, arguments)
            else:
                log.error(
                    "job %s%r FAILED after every attempt, listed at /staff/jobs: %s",
                    name,
                    arguments,
                    error,
                )
            finally:
                db.session.remove()


_threads: set[threading.Thread] = set()
_threads_lock = threading.Lock()


def _start_thread(run: Callable[[], object], name: str) -> None:
    def tracked() -> None:
        try:
            run()
        finally:
            with _threads_lock:
                _threads.discard(threading.current_thread())

    # Not a daemon: a process that shuts down finishes its jobs first.
    thread = threading.Thread(target=tracked, name=name)
    with _threads_lock:
        _threads.add(thread)
    thread.start()


def wait_for_jobs(timeout: float = 30.0) -> None:
    """Wait until the jobs running in this process's threads (immediate mode) have finished,
    including the jobs they started (tests, shutdown)."""
    while True:
        with _threads_lock:
            threads = list(_threads)
        if not threads:
            return
        for thread in threads:
            thread.join(timeout)
            if thread.is_alive():
                return


def init_app(app: Flask) -> None:
    from coordinator import metrics
    from coordinator.jobs.metrics import JobFailureCollector

    app.extensions["jobs"] = JobQueue(app)
    metrics.add_scrape_collector(JobFailureCollector)


def get_queue(app: Flask | None = None) -> JobQueue | None:
    """The app's job queue (None for an app built without one)."""
    return (app or current_app).extensions.get("jobs")


def enqueue(name: str, *args) -> bool:
    """Queue job `name` on the current app's queue; False when it could not be queued."""
    queue = get_queue()
    return queue is not None and queue.enqueue(name, *args)
