"""Mail through the job queue: a request queues a delivery job carrying message ids; the outbox
table decides, so a job run twice, two racing workers or a lost job never double or lose mail."""

from __future__ import annotations

import logging
import threading

import pytest
import redis

from coordinator import jobs
from coordinator.extensions import db
from coordinator.mail import MailStatus, OutgoingMessage
from tests.jobs.conftest import run_queued_jobs, settle, statuses
from tests.loopback import REDIS_TEST_URL
from tests.mail.conftest import free_port, smtp_port, smtp_server  # noqa: F401

REDIS_JOBS_URL = REDIS_TEST_URL  # a database of its own; only this queue's keys


@pytest.fixture
def app_config(sqlite_jobs_config, smtp_port):  # noqa: F811
    return {
        **sqlite_jobs_config,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_TIMEOUT": 5,
    }


@pytest.fixture
def inbox(smtp_server):  # noqa: F811
    start, _, messages = smtp_server
    start()
    return messages


def _request_reset(client, user) -> None:
    db.session.commit()
    response = client.post("/forgot-password", data={"email": user.email})
    assert response.status_code == 302
    db.session.rollback()


def test_a_request_queues_a_job_with_the_ids_and_the_worker_sends(app, client, focal_point, inbox):
    queue = jobs.get_queue(app)
    _request_reset(client, focal_point)
    assert statuses() == [MailStatus.QUEUED]  # nothing is sent by the web process
    pending = queue.huey.pending()
    message_id = db.session.scalar(db.select(OutgoingMessage.id))
    assert [(task.name, task.args) for task in pending] == [("mail.deliver", ([message_id],))]

    assert run_queued_jobs(queue) == 1
    assert statuses() == [MailStatus.SENT]
    assert [message["To"] for message in inbox.messages] == [focal_point.email]


def test_a_job_queued_twice_sends_once(app, client, focal_point, inbox):
    queue = jobs.get_queue(app)
    _request_reset(client, focal_point)
    message_id = db.session.scalar(db.select(OutgoingMessage.id))
    assert queue.enqueue("mail.deliver", [message_id])  # as if the request's job ran twice

    assert run_queued_jobs(queue) == 2
    assert statuses() == [MailStatus.SENT]
    assert len(inbox.messages) == 1
    assert db.session.get(OutgoingMessage, message_id).attempts == 1


def test_two_workers_racing_for_the_same_message_send_it_once(app, client, focal_point, inbox):
    queue = jobs.get_queue(app)
    _request_reset(client, focal_point)
    message_id = db.session.scalar(db.select(OutgoingMessage.id))
    queue.enqueue("mail.deliver", [message_id])
    db.session.remove()
    both_dequeued = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            task = queue.huey.dequeue()
            both_dequeued.wait()  # each holds its own copy of the job, then both run it
            queue.huey.execute(task)
        except BaseException as error:  # noqa: BLE001 - reported by the assert below
            errors.append(error)

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(60)
    assert errors == []
    assert statuses() == [MailStatus.SENT]
    assert len(inbox.messages) == 1


def test_a_lost_job_is_delivered_by_the_periodic_sweep(app, client, focal_point, inbox):
    queue = jobs.get_queue(app)
    _request_reset(client, focal_point)
    queue.huey.flush()  # the job is lost (a queue wiped, a worker that crashed with it)
    assert run_queued_jobs(queue) == 0
    assert statuses() == [MailStatus.QUEUED]

    queue.tick()  # the scheduler's minute: deliver_due is due every minute
    run_queued_jobs(queue)
    assert statuses() == [MailStatus.SENT]
    assert len(inbox.messages) == 1


@pytest.fixture
def redis_queue_config(app_config):
    try:
        redis.Redis.from_url(REDIS_JOBS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not running on 127.0.0.1:6379 ({error})")
    return {**app_config, "JOBS_URL": REDIS_JOBS_URL}


def test_with_redis_the_job_waits_in_redis_and_the_worker_sends(_schema, redis_queue_config, inbox):
    from coordinator import create_app
    from tests import factories

    app = create_app(redis_queue_config)
    queue = jobs.get_queue(app)
    queue.huey.flush()
    try:
        with app.app_context():
            user = factories.UserFactory(role="focal_point", partner=factories.PartnerFactory())
            _request_reset(app.test_client(), user)
            assert queue.huey.pending_count() == 1
            assert statuses() == [MailStatus.QUEUED]
            assert run_queued_jobs(queue) == 1
            assert statuses() == [MailStatus.SENT]
            assert len(inbox.messages) == 1
    finally:
        queue.huey.flush()
        with app.app_context():
            from tests.conftest import wipe_tables

            wipe_tables()
            db.session.remove()


@pytest.fixture
def redis_down_config(app_config):
    return {**app_config, "JOBS_URL": f"redis://127.0.0.1:{free_port()}/0"}


def test_with_redis_down_the_request_succeeds_and_mail_still_goes(
    _schema, redis_down_config, inbox, caplog
):
    from coordinator import create_app
    from tests import factories

    app = create_app(redis_down_config)
    try:
        with app.app_context():
            user = factories.UserFactory(role="focal_point", partner=factories.PartnerFactory())
            with caplog.at_level(logging.WARNING, logger="coordinator.jobs"):
                _request_reset(app.test_client(), user)
                settle()
            assert any(
                "job queue" in record.getMessage() and "unreachable" in record.getMessage()
                for record in caplog.records
            )
            assert statuses() == [MailStatus.SENT]  # sent from the request's fallback thread
            assert len(inbox.messages) == 1
    finally:
        with app.app_context():
            from tests.conftest import wipe_tables

            wipe_tables()
            db.session.remove()
