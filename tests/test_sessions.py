"""The session cookie verified once per value (coordinator/sessions.py): the same answers as
Flask's own interface, with the signature checked only the first time a value is seen."""

from __future__ import annotations

import time

import pytest
from itsdangerous import URLSafeTimedSerializer
from werkzeug.test import EnvironBuilder

from coordinator import create_app
from coordinator.sessions import SessionCookies
from tests.conftest import login


def _cookie(app, data: dict) -> str:
    interface = app.session_interface
    return interface.get_signing_serializer(app).dumps(data)


def _open(app, cookie: str | None):
    headers = {"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}"} if cookie else {}
    request = app.request_class(EnvironBuilder("/", headers=headers).get_environ())
    return app.session_interface.open_session(app, request)


@pytest.fixture
def verifications(monkeypatch):
    calls = []
    real = URLSafeTimedSerializer.loads

    def counted(self, *args, **kwargs):
        calls.append(args[0])
        return real(self, *args, **kwargs)

    monkeypatch.setattr(URLSafeTimedSerializer, "loads", counted)
    return calls


def test_the_app_uses_it(app):
    assert isinstance(app.session_interface, SessionCookies)


def test_a_value_is_verified_once_and_each_request_gets_its_own_copy(app, verifications):
    cookie = _cookie(app, {"csrf_token": "abc", "_fresh": False})
    first = _open(app, cookie)
    assert dict(first) == {"csrf_token": "abc", "_fresh": False}
    first["csrf_token"] = "changed in one request"
    second = _open(app, cookie)
    assert dict(second) == {"csrf_token": "abc", "_fresh": False}
    assert not second.modified
    assert verifications == [cookie]


def test_a_tampered_or_foreign_value_gives_an_empty_session_every_time(app, verifications):
    cookie = _cookie(app, {"_user_id": "1:nonce"})
    tampered = cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")
    assert dict(_open(app, tampered)) == {}
    assert dict(_open(app, tampered)) == {}
    assert len(verifications) == 2  # a bad value is never taken as verified
    other = create_app({**app.config, "SECRET_KEY": "another key"})
    assert dict(_open(other, cookie)) == {}  # another key: not this app's verified value


def test_a_kept_value_still_expires(app, monkeypatch):
    cookie = _cookie(app, {"csrf_token": "abc"})
    assert dict(_open(app, cookie)) == {"csrf_token": "abc"}
    later = time.time() + app.permanent_session_lifetime.total_seconds() + 5
    monkeypatch.setattr(time, "time", lambda: later)
    assert dict(_open(app, cookie)) == {}


def test_sessions_holding_lists_are_verified_every_time(app, verifications):
    cookie = _cookie(app, {"_flashes": [["info", "Saved."]]})
    first = _open(app, cookie)
    first["_flashes"].append(["info", "only in this request"])
    assert dict(_open(app, cookie)) == {"_flashes": [["info", "Saved."]]}
    assert len(verifications) == 2


def test_the_kept_values_are_bounded(app):
    interface = SessionCookies(max_verified=3)
    app.session_interface = interface
    cookies = [_cookie(app, {"csrf_token": str(number)}) for number in range(5)]
    for cookie in cookies:
        _open(app, cookie)
    assert len(interface._verified) == 3
    assert dict(_open(app, cookies[0])) == {"csrf_token": "0"}  # verified again, still right


def test_a_signed_in_session_ends_at_its_lifetime(app, client, focal_point, monkeypatch):
    login(client, focal_point)
    assert client.get("/my/activities").status_code == 200
    assert client.get("/my/activities").status_code == 200  # the kept value
    later = time.time() + app.permanent_session_lifetime.total_seconds() + 5
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.get("/my/activities")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
