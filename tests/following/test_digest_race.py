"""Four workers send the digests at the same instant: each recipient gets each period once
(the digests_sent row is claimed before anything is composed)."""

from __future__ import annotations

import threading

from coordinator.extensions import db
from coordinator.following.digests import send_due_digests
from tests.following.helpers import Network, digests, utc

WORKERS = 4


def test_simultaneous_runs_send_each_digest_once(app):
    network = Network()
    event = network.submitted_event(utc(2030, 6, 1, 8), title="Raced")
    network.approve_at(event, utc(2027, 5, 3, 8))
    db.session.close()  # the test thread holds no transaction while the workers run
    barrier = threading.Barrier(WORKERS)
    reports, errors = [], []
    lock = threading.Lock()

    def worker() -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                report = send_due_digests(utc(2027, 5, 4, 1))
                with lock:
                    reports.append(report)
            except Exception as error:  # any failure is a bug the test must show
                with lock:
                    errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(report.sent for report in reports) == 1
    assert sum(report.already for report in reports) == WORKERS - 1
    assert len(digests()) == 1


def test_the_same_address_subscribing_twice_at_once_gets_one_confirmation(app):
    from coordinator.following import services
    from coordinator.following.models import DigestSubscription, Period
    from tests.following.helpers import outbox

    db.session.close()
    barrier = threading.Barrier(WORKERS)
    errors = []
    lock = threading.Lock()

    def worker() -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                services.request_subscription(
                    "racing@example.org",
                    services.Choices([], [], ["FR"], Period.DAILY),
                    "en",
                    "UTC",
                )
                db.session.commit()
            except Exception as error:  # a 500 in the making
                db.session.rollback()
                with lock:
                    errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert db.session.query(DigestSubscription).count() == 1
    assert [m.recipient for m in outbox()] == ["racing@example.org"]
