"""Failed sign-ins are throttled per account and per address, in the shared database."""

import re
import threading

import pytest

from coordinator.accounts.models import LoginFailure
from coordinator.extensions import db
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import UserFactory


def _attempt(client, email, password="wrong-password", address="10.0.0.1"):
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_five_failures_lock_the_account_even_with_the_right_password(client, focal_point):
    db.session.commit()
    for _ in range(5):
        assert _attempt(client, focal_point.email).status_code == 400
    locked = _attempt(client, focal_point.email, DEFAULT_PASSWORD)
    assert locked.status_code == 429
    page = locked.get_data(as_text=True)
    assert "Too many failed sign-in attempts" in page and "Traceback" not in page
    # From another address too: the lock is on the account.
    assert _attempt(client, focal_point.email, DEFAULT_PASSWORD, "10.9.9.9").status_code == 429


def test_the_lock_ends_with_the_window(client, focal_point, time_machine_now):
    db.session.commit()
    for _ in range(5):
        _attempt(client, focal_point.email)
    assert _attempt(client, focal_point.email, DEFAULT_PASSWORD).status_code == 429
    time_machine_now.shift(15 * 60 + 1)
    assert _attempt(client, focal_point.email, DEFAULT_PASSWORD).status_code == 302


def test_twenty_failures_lock_the_address(client, app):
    users = [UserFactory() for _ in range(5)]
    db.session.commit()
    for index in range(20):  # spread over accounts so no account reaches 5
        assert _attempt(client, users[index % 5].email).status_code == 400
    fresh = UserFactory()
    db.session.commit()
    assert _attempt(client, fresh.email, DEFAULT_PASSWORD).status_code == 429
    assert _attempt(client, fresh.email, DEFAULT_PASSWORD, "10.0.0.2").status_code == 302


def test_a_success_clears_the_account_failures(client, focal_point):
    db.session.commit()
    for _ in range(4):
        _attempt(client, focal_point.email)
    assert _attempt(client, focal_point.email, DEFAULT_PASSWORD).status_code == 302
    client.post("/logout")
    assert db.session.query(LoginFailure).filter_by(email=focal_point.email).count() == 0
    for _ in range(4):
        assert _attempt(client, focal_point.email).status_code == 400
    assert _attempt(client, focal_point.email, DEFAULT_PASSWORD).status_code == 302


def test_unknown_emails_get_the_same_answers(client, focal_point):
    db.session.commit()
    known = [_attempt(client, focal_point.email, address="10.1.1.1") for _ in range(6)]
    unknown = [_attempt(client, "nobody@example.org", address="10.2.2.2") for _ in range(6)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [400] * 5 + [429]

    def comparable(response, email):
        # CSRF tokens are signed with a timestamp, so they differ between any two pages.
        text = response.get_data(as_text=True).replace(email, "X")
        return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", text)

    assert comparable(known[0], focal_point.email) == comparable(unknown[0], "nobody@example.org")


def test_failures_are_stored_in_the_database(client, focal_point):
    """Stored rows (not process memory) is what lets every worker share the count."""
    db.session.commit()
    _attempt(client, focal_point.email)
    db.session.rollback()
    failure = db.session.query(LoginFailure).one()
    assert failure.email == focal_point.email and failure.address == "10.0.0.1"


@pytest.fixture
def time_machine_now(time_machine):
    from datetime import UTC, datetime

    time_machine.move_to(datetime.now(UTC), tick=True)
    return time_machine


CONCURRENT_ATTEMPTS = 16


def test_concurrent_wrong_passwords_record_exactly_the_limit(app, focal_point):
    """Sixteen wrong passwords at the same instant: the count and the insert are one step, so
    exactly five failures are recorded and the account is locked (not five plus the racers)."""
    db.session.commit()
    email = focal_point.email
    db.session.close()  # the test thread holds no transaction while the workers run
    barrier = threading.Barrier(CONCURRENT_ATTEMPTS)
    statuses: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        client = app.test_client()
        barrier.wait(timeout=30)
        status = _attempt(client, email).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENT_ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    recorded = db.session.query(LoginFailure).filter_by(email=email).count()
    assert recorded == 5, f"{recorded} failures recorded out of {CONCURRENT_ATTEMPTS}"
    assert sorted(statuses) == [400] * 5 + [429] * (CONCURRENT_ATTEMPTS - 5)
    assert _attempt(app.test_client(), email, DEFAULT_PASSWORD).status_code == 429
