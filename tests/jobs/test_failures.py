"""A job that raises is retried, then recorded and listed for staff, who can queue it again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coordinator import jobs
from coordinator.extensions import db
from coordinator.jobs import tasks
from coordinator.jobs.models import JobFailure
from tests.jobs.conftest import run_queued_jobs, settle


class FlakyService:
    """Raises while broken; counts every call."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.broken = True

    def __call__(self, *args) -> str:
        self.calls.append(args)
        if self.broken:
            raise ConnectionRefusedError("the calendar server refused the connection")
        return "imported"


@pytest.fixture
def flaky(monkeypatch) -> FlakyService:
    service = FlakyService()
    monkeypatch.setitem(tasks.JOBS, "test.import", tasks.Job("test.import", service))
    return service


@pytest.fixture
def app_config(app_config, flaky):
    return {**app_config, "JOBS_RETRIES": 2}


def _failures() -> list[JobFailure]:
    db.session.rollback()
    return list(db.session.scalars(select(JobFailure).order_by(JobFailure.id)))


def test_a_failing_job_is_retried_then_recorded(app, flaky):
    assert jobs.enqueue("test.import", 7, "feed")
    settle()
    assert flaky.calls == [(7, "feed")] * 3  # the first attempt and JOBS_RETRIES retries
    [failure] = _failures()
    assert (failure.task_name, failure.arguments, failure.attempts) == (
        "test.import",
        [7, "feed"],
        3,
    )
    assert "ConnectionRefusedError: the calendar server refused" in failure.error
    assert failure.retried_dt is None


def test_with_a_worker_retries_wait_and_back_off(sqlite_jobs_config, _schema, flaky):
    from coordinator import create_app

    app = create_app({**sqlite_jobs_config, "JOBS_RETRIES": 2, "JOBS_RETRY_DELAY": 30})
    queue = jobs.get_queue(app)
    with app.app_context():
        queue.enqueue("test.import", 1)
        run_queued_jobs(queue)
        [retry] = queue.huey.scheduled()
        assert retry.retries == 1 and retry.retry_delay == 60  # 30 s, doubled for the next
        assert _failures() == []  # not a failure while retries remain


def test_failed_jobs_are_listed_for_staff_only(app, client, flaky, staff, focal_point, login_as):
    db.session.commit()  # the accounts, before settle() ends the transaction
    jobs.enqueue("test.import", 7)
    settle()
    login_as(focal_point)
    assert client.get("/staff/jobs").status_code == 403
    [failure] = _failures()
    assert client.post(f"/staff/jobs/{failure.id}/retry").status_code == 403
    settle()
    assert len(flaky.calls) == 3  # refused: not run again

    client.post("/logout")
    login_as(staff)
    page = client.get("/staff/jobs").get_data(as_text=True)
    assert "test.import" in page and "the calendar server refused the connection" in page
    assert f"/staff/jobs/{failure.id}/retry" in page


def test_anonymous_visitors_cannot_see_failed_jobs(client):
    response = client.get("/staff/jobs")
    assert response.status_code in (302, 403)
    assert "/login" in response.headers.get("Location", "/login")


def test_staff_retry_runs_the_job_again_and_clears_it(app, client, flaky, staff, login_as):
    db.session.commit()  # the accounts, before settle() ends the transaction
    jobs.enqueue("test.import", 7)
    settle()
    [failure] = _failures()
    flaky.broken = False  # the cause is fixed
    login_as(staff)
    response = client.post(f"/staff/jobs/{failure.id}/retry", follow_redirects=True)
    settle()
    assert "Job test.import queued again." in response.get_data(as_text=True)
    assert flaky.calls[-1] == (7,) and len(flaky.calls) == 4
    [failure] = _failures()
    assert failure.retried_dt is not None and failure.retried_by_id == staff.id
    assert "No failed job." in client.get("/staff/jobs").get_data(as_text=True)

    again = client.post(f"/staff/jobs/{failure.id}/retry", follow_redirects=True)
    settle()
    assert "already queued again" in again.get_data(as_text=True)
    assert len(flaky.calls) == 4


def test_a_retry_that_fails_again_is_listed_again(app, client, flaky, staff, login_as):
    db.session.commit()  # the accounts, before settle() ends the transaction
    jobs.enqueue("test.import", 7)
    settle()
    [failure] = _failures()
    login_as(staff)
    client.post(f"/staff/jobs/{failure.id}/retry")
    settle()
    first, second = _failures()
    assert first.retried_dt is not None and second.retried_dt is None
    assert len(flaky.calls) == 6


def test_retry_of_an_unknown_failure_is_404(client, staff, login_as):
    login_as(staff)
    assert client.post("/staff/jobs/999/retry").status_code == 404
    assert client.post(f"/staff/jobs/{2**31}/retry").status_code == 404


def test_failed_jobs_are_counted_in_metrics_until_retried(app, client, flaky, staff, login_as):
    from tests.ops.test_metrics import scrape, value

    app.config["METRICS_ENABLED"] = True
    db.session.commit()
    jobs.enqueue("test.import", 7)
    settle()
    assert value(scrape(client), "coordinator_job_failures", task="test.import") == 1
    [failure] = _failures()
    flaky.broken = False
    login_as(staff)
    client.post(f"/staff/jobs/{failure.id}/retry")
    settle()
    assert value(scrape(client), "coordinator_job_failures", task="test.import") == 0
