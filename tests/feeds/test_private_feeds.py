"""Private feeds: created, named, rotated and revoked by their owner; hashed; re-checked."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import g
from sqlalchemy import select

from coordinator.activities.models import Status, Visibility
from coordinator.extensions import db
from coordinator.feeds.models import FeedToken
from coordinator.tokens import hash_token
from tests import factories
from tests.feeds.factories import FeedTokenFactory
from tests.feeds.validation import unfolded, validate_feed

FEED_URL = re.compile(
    r'value="(http://localhost/feeds/([A-Za-z0-9_-]+)/calendar\.ics)(?:\?lang=[a-z]+)?"'
)


def _uids(body: bytes) -> set[str]:
    return {line[4:] for line in unfolded(body) if line.startswith("UID:")}


def _uid(event) -> str:
    return f"{event.id}@coordinator.medcities.org"


def _create(client, name="Work laptop") -> tuple[str, str]:
    response = client.post("/account/feeds", data={"name": name})
    assert response.status_code == 200, response.data[:500]
    assert response.headers["Cache-Control"] == "no-store"
    url, token = FEED_URL.search(response.get_data(as_text=True)).groups()
    return url, token


def test_owner_creates_a_feed_that_adds_network_events(client, login_as, focal_point):
    public_event = factories.EventFactory()
    network_event = factories.EventFactory(visibility=Visibility.NETWORK)
    draft = factories.EventFactory(
        visibility=Visibility.NETWORK, status=Status.DRAFT, lead_partner=focal_point.partner
    )
    login_as(focal_point)
    url, token = _create(client)
    page = client.get("/account/feeds").get_data(as_text=True)
    assert "Work laptop" in page and token not in page  # shown once, never again
    stored = db.session.scalar(select(FeedToken))
    assert stored.token_hash == hash_token(token) and token not in stored.token_hash
    assert len(token) >= 43

    client.post("/logout")
    response = client.get(url.removeprefix("http://localhost"))
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("private")
    assert "noindex" in response.headers["X-Robots-Tag"]
    validate_feed(response.data)
    assert _uids(response.data) == {_uid(public_event), _uid(network_event)}
    assert _uid(draft) not in _uids(response.data)
    db.session.refresh(stored)
    assert stored.last_used_dt is not None


def test_revoked_rotated_and_unknown_tokens_get_404(client, login_as, focal_point):
    factories.EventFactory()
    login_as(focal_point)
    url, token = _create(client)
    path = url.removeprefix("http://localhost")
    assert client.get(path).status_code == 200
    feed = db.session.scalar(select(FeedToken))

    response = client.post(f"/account/feeds/{feed.id}/rotate")
    assert response.status_code == 200
    new_url, new_token = FEED_URL.search(response.get_data(as_text=True)).groups()
    assert new_token != token
    assert client.get(path).status_code == 404
    new_path = new_url.removeprefix("http://localhost")
    assert client.get(new_path).status_code == 200

    response = client.post(f"/account/feeds/{feed.id}/revoke")
    assert response.status_code == 302
    assert client.get(new_path).status_code == 404
    for bad in ("x" * 43, "short", "a" * 5000, "%00" * 30, "..%2F..%2Fetc"):
        assert client.get(f"/feeds/{bad}/calendar.ics").status_code == 404
    assert client.post(f"/account/feeds/{feed.id}/rotate").status_code == 404


def test_permissions_are_rechecked_on_every_fetch(client, app):
    owner = factories.UserFactory()
    network_event = factories.EventFactory(visibility=Visibility.NETWORK)
    FeedTokenFactory(owner=owner, raw="a" * 43)
    db.session.commit()
    assert _uid(network_event) in _uids(client.get(f"/feeds/{'a' * 43}/calendar.ics").data)
    owner.is_enabled = False  # deactivated owner: the feed stops at once
    db.session.commit()
    assert client.get(f"/feeds/{'a' * 43}/calendar.ics").status_code == 404


def test_other_users_cannot_touch_a_feed(client, login_as, focal_point, other_focal_point):
    feed = FeedTokenFactory(owner=other_focal_point, name="Their phone")
    login_as(focal_point)
    assert client.post(f"/account/feeds/{feed.id}/rotate").status_code == 404
    assert client.post(f"/account/feeds/{feed.id}/revoke").status_code == 404
    db.session.refresh(feed)
    assert feed.revoked_dt is None
    assert "Their phone" not in client.get("/account/feeds").get_data(as_text=True)


def test_anonymous_users_are_sent_to_sign_in(client):
    assert client.get("/account/feeds").status_code in (302, 401)
    assert client.post("/account/feeds", data={"name": "x"}).status_code in (302, 401)


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "bad\x00name", "tab\x1bname"])
def test_bad_names_are_form_errors(client, login_as, focal_point, name):
    login_as(focal_point)
    response = client.post("/account/feeds", data={"name": name})
    assert response.status_code == 400
    assert db.session.scalar(select(FeedToken)) is None


def test_number_of_feeds_is_bounded(client, login_as, focal_point, app):
    app.config["FEED_MAX_TOKENS_PER_USER"] = 2
    login_as(focal_point)
    _create(client, "one")
    _create(client, "two")
    response = client.post("/account/feeds", data={"name": "three"})
    assert response.status_code == 400
    assert "revoke one first" in response.get_data(as_text=True)


class TestCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_posts_need_the_csrf_token(self, client, focal_point):
        feed = FeedTokenFactory(owner=focal_point)
        db.session.commit()
        token_field = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
        csrf = token_field.search(client.get("/login").get_data(as_text=True)).group(1)
        signed_in = client.post(
            "/login",
            data={
                "email": focal_point.email,
                "csrf_token": csrf,
                "password": "correct horse battery staple",
            },
        )
        assert signed_in.status_code == 302
        # The app fixture keeps one app context (and so one `g`) across requests; Flask-WTF caches
        # the token in g, so drop it as a new request would.
        g.pop("csrf_token", None)
        page = client.get("/account/feeds")
        assert page.status_code == 200
        csrf = token_field.search(page.get_data(as_text=True)).group(1)
        with client.session_transaction() as session:
            assert "csrf_token" in session
        assert client.post("/account/feeds", data={"name": "x"}).status_code == 400
        assert client.post(f"/account/feeds/{feed.id}/revoke").status_code == 400
        assert client.post(f"/account/feeds/{feed.id}/rotate").status_code == 400
        db.session.refresh(feed)
        assert feed.revoked_dt is None
        # With the token, the same request works.
        response = client.post(f"/account/feeds/{feed.id}/revoke", data={"csrf_token": csrf})
        assert response.status_code == 302


def test_deactivation_revokes_private_feeds_for_good(client, login_as, staff, focal_point):
    live = FeedTokenFactory(owner=focal_point, raw="b" * 43)
    already = FeedTokenFactory(owner=focal_point, raw="c" * 43)
    already.revoked_dt = datetime(2026, 1, 1, tzinfo=UTC)
    others = FeedTokenFactory(owner=staff, raw="d" * 43)
    db.session.commit()
    assert client.get(f"/feeds/{'b' * 43}/calendar.ics").status_code == 200
    login_as(staff)
    assert client.post(f"/staff/users/{focal_point.id}/deactivate").status_code == 302
    assert client.post(f"/staff/users/{focal_point.id}/reactivate").status_code == 302
    db.session.rollback()
    assert focal_point.is_enabled
    # Reactivation brings the account back, not the feed URLs it had handed out.
    assert client.get(f"/feeds/{'b' * 43}/calendar.ics").status_code == 404
    assert live.revoked_dt is not None
    assert already.revoked_dt == datetime(2026, 1, 1, tzinfo=UTC)  # its own date is kept
    assert others.revoked_dt is None
    assert client.get(f"/feeds/{'d' * 43}/calendar.ics").status_code == 200
