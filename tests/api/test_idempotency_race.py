"""Two identical POSTs with one Idempotency-Key at the same instant create one draft, on the
engine the suite runs on (a file SQLite database by default; PostgreSQL under CI's second run).
Both callers get the same answer: the second is the first's, replayed."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from coordinator.activities import services
from coordinator.activities.models import Event
from coordinator.api.models import IdempotencyKey
from coordinator.extensions import db
from tests.api.conftest import bearer, make_token, proposal

THREADS = 4


def test_concurrent_identical_posts_create_one_draft(app, focal_point, monkeypatch):
    headers = {**bearer(make_token(focal_point)), "Idempotency-Key": "crm-sync-7"}
    db.session.close()  # the test thread holds no transaction while the requests run

    original = services.propose_event

    def slow_propose(actor, data):
        # Hold the transaction open after the insert, so the twins truly overlap.
        event = original(actor, data)
        time.sleep(0.3)
        return event

    monkeypatch.setattr(services, "propose_event", slow_propose)
    barrier = threading.Barrier(THREADS)
    answers: list[tuple[int, dict, str | None]] = []
    lock = threading.Lock()

    def worker() -> None:
        client = app.test_client()
        barrier.wait(timeout=30)
        response = client.post("/api/v1/events", json=proposal(), headers=headers)
        with lock:
            answers.append(
                (
                    response.status_code,
                    response.get_json(),
                    response.headers.get("Idempotent-Replayed"),
                )
            )

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(answers) == THREADS
    assert {status for status, _, _ in answers} == {201}, answers
    assert len({str(body) for _, body, _ in answers}) == 1
    assert sorted(flag or "" for _, _, flag in answers) == [""] + ["true"] * (THREADS - 1)
    assert db.session.scalar(select(func.count()).select_from(Event)) == 1
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1


def test_without_a_key_each_post_is_a_new_draft(client, focal_point):
    headers = bearer(make_token(focal_point))
    for _ in range(2):
        assert client.post("/api/v1/events", json=proposal(), headers=headers).status_code == 201
    assert db.session.scalar(select(func.count()).select_from(Event)) == 2
