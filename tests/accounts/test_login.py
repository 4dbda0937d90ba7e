from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from coordinator.extensions import db
from tests.conftest import DEFAULT_PASSWORD


def test_sign_in_and_out(client, focal_point, login_as):
    login_as(focal_point)
    assert "Sign out" in client.get("/").get_data(as_text=True)
    response = client.post("/logout")
    assert response.status_code == 302
    assert "Sign in" in client.get("/").get_data(as_text=True)


def test_wrong_password_is_refused(client, focal_point):
    db.session.commit()
    response = client.post("/login", data={"email": focal_point.email, "password": "wrong-pass"})
    assert response.status_code == 400
    assert "not right" in response.get_data(as_text=True)


def test_replayed_session_cookie_after_sign_out_gets_nothing(app, focal_point, login_as, client):
    login_as(focal_point)
    client.get("/")  # consume the welcome flash
    cookie = client.get_cookie("session").value
    assert "Sign out" in client.get("/").get_data(as_text=True)
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    page = replay.get("/").get_data(as_text=True)
    assert "Sign out" not in page and focal_point.name not in page


def _remember_cookie_lifetime(client, user) -> timedelta:
    db.session.commit()
    with time_machine.travel(datetime(2027, 3, 1, 12, tzinfo=UTC), tick=False):
        response = client.post(
            "/login",
            data={"email": user.email, "password": DEFAULT_PASSWORD, "remember": "y"},
        )
    assert response.status_code == 302
    return client.get_cookie("remember_token").expires - datetime(2027, 3, 1, 12, tzinfo=UTC)


def test_keep_me_signed_in_lasts_thirty_days_by_default(client, focal_point):
    assert _remember_cookie_lifetime(client, focal_point) == timedelta(days=30)


class TestConfiguredRememberCookie:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "REMEMBER_COOKIE_DURATION": 7200}

    def test_keep_me_signed_in_lasts_as_configured(self, client, focal_point):
        assert _remember_cookie_lifetime(client, focal_point) == timedelta(hours=2)


def test_a_session_cookie_in_another_browser_is_signed_out(app, focal_point, login_as, client):
    """Flask-Login's strong session protection still guards signed-in sessions (visitors who
    never signed in skip it: coordinator/accounts/session.py)."""
    login_as(focal_point)
    assert "Sign out" in client.get("/").get_data(as_text=True)
    stolen = app.test_client()
    stolen.set_cookie("session", client.get_cookie("session").value)
    page = stolen.get("/", headers={"User-Agent": "Another browser"}).get_data(as_text=True)
    assert "Sign out" not in page and focal_point.name not in page


def test_keep_me_signed_in_works_after_the_session_cookie_is_gone(app, focal_point, client):
    db.session.commit()
    client.post(
        "/login", data={"email": focal_point.email, "password": DEFAULT_PASSWORD, "remember": "y"}
    )
    returning = app.test_client()
    returning.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert "Sign out" in returning.get("/").get_data(as_text=True)


def test_a_visitor_who_never_signed_in_keeps_the_session_cookie_they_have(app):
    visitor = app.test_client()
    first = visitor.get("/events/")
    assert "Set-Cookie" in first.headers  # their CSRF token, in a new session
    # Nothing changed in their session: no new cookie (re-signing it on every request made a
    # cached page's 304 cost as much as the page).
    for response in (visitor.get("/events/"), visitor.get("/calendar/")):
        assert response.status_code == 200 and "Set-Cookie" not in response.headers
