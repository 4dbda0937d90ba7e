"""Password reset by email: same answer for everyone, hashed single-use expiring tokens."""

import hashlib
import re
from datetime import timedelta

from sqlalchemy import func, select

from coordinator.accounts.models import PasswordResetToken
from coordinator.db import utcnow
from coordinator.extensions import db
from coordinator.mail import OutgoingMessage
from tests import factories
from tests.accounts.helpers import last_message_to, link_token
from tests.conftest import DEFAULT_PASSWORD, login

NEW_PASSWORD = "another fine passphrase"


def _request_reset(client, email):
    return client.post("/forgot-password", data={"email": email}, follow_redirects=True)


def _without_csrf(response) -> str:
    return re.sub(
        r'name="csrf_token"( type="hidden")? value="[^"]*"', "csrf", response.get_data(as_text=True)
    )


def test_known_and_unknown_emails_get_the_same_answer(client, focal_point):
    db.session.commit()
    known = _request_reset(client, focal_point.email)
    unknown = _request_reset(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    # The pages embed a CSRF token signed with the current second: compare them without it.
    assert _without_csrf(known) == _without_csrf(unknown)
    assert "If an account uses this address" in known.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutgoingMessage)) == 1
    assert last_message_to("nobody@example.org") is None


def test_reset_link_sets_a_new_password_and_signs_out_other_sessions(app, client, focal_point):
    db.session.commit()
    other_device = app.test_client()
    login(other_device, focal_point)
    assert "Sign out" in other_device.get("/").get_data(as_text=True)

    _request_reset(client, focal_point.email)
    token = link_token(last_message_to(focal_point.email), "reset")
    stored = db.session.scalar(select(PasswordResetToken))
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    response = client.post(
        f"/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert "Sign out" in client.get("/").get_data(as_text=True)
    assert "Sign out" not in other_device.get("/").get_data(as_text=True)

    fresh = app.test_client()
    assert (
        fresh.post(
            "/login", data={"email": focal_point.email, "password": DEFAULT_PASSWORD}
        ).status_code
        == 400
    )
    login(fresh, focal_point, NEW_PASSWORD)


def test_a_reset_link_works_once(client, focal_point):
    db.session.commit()
    _request_reset(client, focal_point.email)
    token = link_token(last_message_to(focal_point.email), "reset")
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post(f"/reset/{token}", data=data).status_code == 302
    client.post("/logout")
    again = client.post(
        f"/reset/{token}", data={"password": "yet another one!", "confirm": "yet another one!"}
    )
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)


def test_a_reset_link_expires(client, focal_point, time_machine):
    db.session.commit()
    _request_reset(client, focal_point.email)
    token = link_token(last_message_to(focal_point.email), "reset")
    time_machine.move_to(utcnow() + timedelta(seconds=3601))
    response = client.post(
        f"/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    db.session.rollback()
    login(client, focal_point, DEFAULT_PASSWORD)


def test_a_reset_link_is_bound_to_its_user(client, focal_point, other_focal_point):
    db.session.commit()
    _request_reset(client, focal_point.email)
    token = link_token(last_message_to(focal_point.email), "reset")
    client.post(
        f"/reset/{token}",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "email": other_focal_point.email},
    )
    client.post("/logout")
    db.session.rollback()
    login(client, other_focal_point, DEFAULT_PASSWORD)


def test_a_new_reset_kills_every_other_open_link(client, focal_point):
    db.session.commit()
    _request_reset(client, focal_point.email)
    first = link_token(last_message_to(focal_point.email), "reset")
    _request_reset(client, focal_point.email)
    second = link_token(last_message_to(focal_point.email), "reset")
    client.post(f"/reset/{second}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    client.post("/logout")
    assert client.get(f"/reset/{first}").status_code == 410


def test_deactivated_accounts_get_no_mail(client, focal_point):
    focal_point.is_enabled = False
    db.session.commit()
    _request_reset(client, focal_point.email)
    assert last_message_to(focal_point.email) is None


def test_the_login_page_links_to_the_reset(client):
    assert "/forgot-password" in client.get("/login").get_data(as_text=True)


def test_known_and_unknown_addresses_cost_the_same_work(app, client, focal_point, monkeypatch):
    """The answer's timing must not tell which addresses have accounts: whatever the address,
    the same token is made and hashed, the link built, the message composed and written."""
    from collections import Counter

    from sqlalchemy import event

    from coordinator.accounts import services

    calls: Counter = Counter()
    for name in ("new_token_and_hash", "absolute_url", "_reset_message"):
        original = getattr(services, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(services, name, counted)

    def count_message_writes(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO OUTGOING_MESSAGES"):
            calls["message written"] += 1

    deactivated = factories.UserFactory(is_enabled=False)
    db.session.commit()
    event.listen(db.engine, "before_cursor_execute", count_message_writes)
    try:
        work = {}
        for email in (focal_point.email, "nobody@example.org", deactivated.email):
            calls.clear()
            assert _request_reset(client, email).status_code == 200
            work[email] = dict(calls)
    finally:
        event.remove(db.engine, "before_cursor_execute", count_message_writes)
    expected = {
        "new_token_and_hash": 1,
        "absolute_url": 1,
        "_reset_message": 1,
        "message written": 1,
    }
    assert all(done == expected for done in work.values()), work
    db.session.rollback()
    # ...and only the account's owner gets anything.
    assert db.session.scalar(select(func.count()).select_from(OutgoingMessage)) == 1
    assert db.session.scalar(select(func.count()).select_from(PasswordResetToken)) == 1
