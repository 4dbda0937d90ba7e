"""Periodic jobs run once per period, however many hosts run a scheduler: each scheduler fires,
and the (job, period start) row in job_runs lets one of them through. Runs on the suite's engine
(SQLite, or PostgreSQL with COORDINATOR_DATABASE_URL)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from huey import crontab
from sqlalchemy import func, select

from coordinator import create_app, jobs
from coordinator.extensions import db
from coordinator.jobs import tasks
from coordinator.jobs.models import JobRun
from tests.jobs.conftest import run_queued_jobs

MINUTE = datetime(2026, 3, 2, 10, 0, 20, tzinfo=UTC)


class Digest:
    """A periodic job that counts its runs (thread-safe: two workers may run it)."""

    def __init__(self) -> None:
        self.runs = 0
        self.lock = threading.Lock()

    def __call__(self) -> None:
        with self.lock:
            self.runs += 1


@pytest.fixture
def digest(monkeypatch) -> Digest:
    job = Digest()
    periodic = tasks.PeriodicJob(
        tasks.Job("test.digest", job), crontab(minute="*"), timedelta(minutes=1)
    )
    monkeypatch.setitem(tasks.PERIODIC_JOBS, "test.digest", periodic)
    return job


@pytest.fixture
def app_config(sqlite_jobs_config, digest):
    return sqlite_jobs_config


@pytest.fixture
def second_host(app, app_config, tmp_path):
    """Another host: the same database, a job queue and scheduler of its own."""
    other = create_app({**app_config, "JOBS_URL": f"sqlite:///{tmp_path / 'host-b.sqlite'}"})
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)  # Huey's scheduler time: naive UTC


def _fire(host, moment: datetime) -> None:
    """One scheduler tick on `host`, then its worker runs what was queued."""
    queue = jobs.get_queue(host)
    with host.app_context():
        queue.tick(_naive(moment))
        run_queued_jobs(queue)


def test_two_schedulers_firing_the_same_minute_run_the_job_once(app, second_host, digest):
    db.session.commit()
    with time_machine.travel(MINUTE, tick=True):
        _fire(app, MINUTE)
        _fire(second_host, MINUTE)
    assert digest.runs == 1

    later = MINUTE + timedelta(minutes=1)
    with time_machine.travel(later, tick=True):
        _fire(second_host, later)
        _fire(app, later)
    assert digest.runs == 2  # the next period runs, on whichever host came first
    db.session.rollback()
    starts = db.session.scalars(
        select(JobRun.period_start_dt)
        .where(JobRun.task_name == "test.digest")
        .order_by(JobRun.period_start_dt)
    ).all()
    assert starts == [MINUTE.replace(second=0), later.replace(second=0)]


def test_two_schedulers_racing_in_threads_run_the_job_once(app, second_host, digest):
    db.session.commit()
    db.session.remove()
    both_ready = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []

    def scheduler(host) -> None:
        try:
            both_ready.wait()
            _fire(host, MINUTE)
        except BaseException as error:  # noqa: BLE001 - reported by the assert below
            errors.append(error)

    with time_machine.travel(MINUTE, tick=True):
        threads = [threading.Thread(target=scheduler, args=(host,)) for host in (app, second_host)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert errors == []
    assert digest.runs == 1
    db.session.rollback()
    assert (
        db.session.scalar(
            select(func.count()).select_from(JobRun).where(JobRun.task_name == "test.digest")
        )
        == 1
    )


def test_claims_are_per_period_and_per_job(app):
    start = jobs.period_start(MINUTE, timedelta(days=1))
    assert start == datetime(2026, 3, 2, tzinfo=UTC)
    assert jobs.claim_period("a", start) is True
    assert jobs.claim_period("a", start) is False
    assert jobs.claim_period("b", start) is True
    assert jobs.claim_period("a", start + timedelta(days=1)) is True


def test_mail_every_minute_and_the_documents_sweep_daily(app):
    queue = jobs.get_queue(app)
    due_at = {
        minute: sorted(task.name for task in queue.huey.read_periodic(minute))
        for minute in (datetime(2026, 3, 2, 3, 30), datetime(2026, 3, 2, 3, 31))
    }
    assert "periodic:mail.deliver_due" in due_at[datetime(2026, 3, 2, 3, 31)]
    assert "periodic:documents.sweep" in due_at[datetime(2026, 3, 2, 3, 30)]
    assert "periodic:documents.sweep" not in due_at[datetime(2026, 3, 2, 3, 31)]


def test_the_daily_sweep_job_removes_orphans_past_the_grace_period(app):
    import io

    from coordinator.documents.storage import get_storage

    queue = jobs.get_queue(app)
    orphan = get_storage().put(io.BytesIO(b"left behind by an upload that never committed"))
    assert queue.enqueue("documents.sweep")  # as the scheduler does daily
    assert run_queued_jobs(queue) == 1
    assert get_storage().exists(orphan)  # younger than the hour's grace: maybe still committing
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=2), tick=True):
        assert queue.enqueue("documents.sweep")
        assert run_queued_jobs(queue) == 1
    assert not get_storage().exists(orphan)
