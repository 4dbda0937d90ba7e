"""The anonymous page cache: what it stores, who it serves, and when it lets go.

The safety tests render every cacheable page as signed-in users who see more (network-only
events, drafts, their own name and actions), then read the store itself and the pages an
anonymous visitor gets: nothing of theirs may be in either. They run on the in-process store
and on Redis (db 12), the two homes sharedcache.py offers.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from coordinator import dataversion
from coordinator.access import public
from coordinator.activities.models import Event, Status, Visibility
from coordinator.activities.services import transition
from coordinator.activities.workflow import Action
from coordinator.extensions import db
from coordinator.pagecache import CSRF_PLACEHOLDER, KEY_PREFIX, cached_page
from coordinator.sharedcache import shared_cache
from tests import factories
from tests.conftest import login

REDIS_URL = "redis://127.0.0.1:6379/12"
SECRETS = ("Network Only Marker", "Draft Marker", "Submitted Marker", "Signed In Person")


def _redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.3).ping())
    except Exception:
        return False


@pytest.fixture(params=["memory", "redis"])
def app_config(app_config, request):
    if request.param == "redis":
        if not _redis_available():
            pytest.skip("no Redis at 127.0.0.1:6379")
        import redis

        prefix = f"scale13-{uuid.uuid4().hex}:"
        app_config["CACHE_URL"] = REDIS_URL
        app_config["CACHE_PREFIX"] = prefix
        yield app_config
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)
        return
    yield app_config


def stored_pages(app) -> list[bytes]:
    """Every page in the store, read from the store itself."""
    cache = shared_cache()
    if cache.shared:
        client = cache._redis
        keys = list(client.scan_iter(match=cache.prefix + KEY_PREFIX + "*"))
        return [client.get(key) for key in keys]
    return [value for key, (value, _) in cache.memory._items.items() if key.startswith(KEY_PREFIX)]


def _at(days: int) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)


@pytest.fixture
def network(app):
    lead = factories.PartnerFactory(slug="lead", name="Lead Partner")
    project = factories.ProjectFactory(slug="hub", lead_partner=lead, title="Hub Project")
    proposer = factories.UserFactory(role="focal_point", partner=lead, name="Signed In Person")
    events = {
        "public": factories.EventFactory(
            title="Public Marker",
            lead_partner=lead,
            project=project,
            start_dt=_at(3),
            end_dt=_at(3) + timedelta(hours=2),
        ),
        "network": factories.EventFactory(
            title="Network Only Marker",
            lead_partner=lead,
            project=project,
            visibility=Visibility.NETWORK,
            start_dt=_at(4),
            end_dt=_at(4) + timedelta(hours=2),
        ),
        "draft": factories.EventFactory(
            title="Draft Marker",
            lead_partner=lead,
            project=project,
            status=Status.DRAFT,
            proposer=proposer,
            start_dt=_at(5),
            end_dt=_at(5) + timedelta(hours=2),
        ),
        "submitted": factories.EventFactory(
            title="Submitted Marker",
            lead_partner=lead,
            project=project,
            status=Status.SUBMITTED,
            proposer=proposer,
            start_dt=_at(6),
            end_dt=_at(6) + timedelta(hours=2),
        ),
    }
    db.session.commit()
    return lead, project, proposer, events


def _pages(network) -> list[str]:
    lead, project, _, events = network
    month = _at(4)
    return [
        "/events/",
        "/events/?q=Marker",
        "/calendar/",
        f"/calendar/{month.year}/{month.month}",
        f"/calendar/agenda?month={month.year}-{month.month:02d}",
        f"/events/{events['public'].id}",
        f"/partners/{lead.slug}",
        f"/projects/{project.slug}",
    ]


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_signed_in_pages_never_enter_the_store_nor_reach_anonymous_visitors(
    app, client, network, staff
):
    lead, project, proposer, events = network
    private_pages = [f"/events/{events[name].id}" for name in ("network", "draft", "submitted")]
    for user in (proposer, staff):
        login(client, user)
        shown = {url: _text(client.get(url)) for url in _pages(network) + private_pages}
        # They do see more than an anonymous visitor: the test is not vacuous.
        assert "Network Only Marker" in shown["/events/"]
        assert "Submitted Marker" in shown[f"/events/{events['submitted'].id}"]
        if user is proposer:
            assert "Draft Marker" in shown[f"/events/{events['draft'].id}"]
        assert stored_pages(app) == []
        client.post("/logout")

    anonymous = app.test_client()
    for url in _pages(network):
        first, second = anonymous.get(url), anonymous.get(url)
        assert first.status_code == second.status_code == 200
        for secret in SECRETS:
            assert secret not in _text(first) and secret not in _text(second), (url, secret)
    for url in private_pages:
        assert anonymous.get(url).status_code == 404
    stored = stored_pages(app)
    assert len(stored) == len(_pages(network))
    for page in stored:
        assert b"Public Marker" in page or b"Lead Partner" in page
        for secret in SECRETS:
            assert secret.encode() not in page


def test_signed_in_users_are_never_served_a_cached_page(app, client, network, staff):
    anonymous = app.test_client()
    for url in _pages(network):
        anonymous.get(url)
    assert stored_pages(app)
    login(client, staff)
    listing = _text(client.get("/events/"))
    assert "Network Only Marker" in listing
    assert staff.name in listing


def test_a_revalidation_is_answered_from_the_head_without_reading_the_store(
    app, network, monkeypatch
):
    visitor = app.test_client()
    first = visitor.get("/events/")
    etag = first.headers["ETag"]
    reads = []
    real_get = type(shared_cache()).get
    monkeypatch.setattr(
        type(shared_cache()), "get", lambda self, key: reads.append(key) or real_get(self, key)
    )
    again = visitor.get("/events/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag
    assert "Content-Type" not in again.headers
    assert again.headers.get("Cache-Control") == first.headers.get("Cache-Control")
    assert not [key for key in reads if key.startswith(KEY_PREFIX)]
    # Another visitor, or another copy: the head answers no 304 that the page would not.
    assert app.test_client().get("/events/", headers={"If-None-Match": etag}).status_code == 200
    assert visitor.get("/events/", headers={"If-None-Match": '"other"'}).status_code == 200


def test_a_head_lasts_no_longer_than_its_page(app, network, monkeypatch):
    app.config["PAGE_CACHE_SECONDS"] = 60
    visitor = app.test_client()
    etag = visitor.get("/events/").headers["ETag"]
    reads = []
    real_get = type(shared_cache()).get
    monkeypatch.setattr(
        type(shared_cache()), "get", lambda self, key: reads.append(key) or real_get(self, key)
    )
    assert visitor.get("/events/", headers={"If-None-Match": etag}).status_code == 304
    assert not [key for key in reads if key.startswith(KEY_PREFIX)]
    later, monotonic_later = time.time() + 61, time.monotonic() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    monkeypatch.setattr(time, "monotonic", lambda: monotonic_later)
    # The head has expired with its page: the store is asked (the in-process one has let the
    # page go and it is rendered again; Redis keeps its own time). The bytes are the same, so
    # the visitor's copy is still current.
    assert visitor.get("/events/", headers={"If-None-Match": etag}).status_code == 304
    assert [key for key in reads if key.startswith(KEY_PREFIX)]


def test_a_hit_runs_no_page_query(app, network):
    anonymous = app.test_client()
    anonymous.get("/events/")
    statements = []

    def count(*_args):
        statements.append(_args[2])

    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        hit = anonymous.get("/events/")
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    assert hit.status_code == 200 and "Public Marker" in _text(hit)
    # At most the data version's own query (once per PAGE_CACHE_RECHECK_SECONDS).
    assert len(statements) <= 2


def test_each_visitor_gets_their_own_csrf_token_and_the_store_holds_none(app, network):
    first, second = app.test_client(), app.test_client()
    pages = [_text(first.get("/events/")), _text(second.get("/events/"))]
    tokens = [re.search(r'name="csrf_token" value="([^"]+)"', page).group(1) for page in pages]
    assert tokens[0] != tokens[1]
    signer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
    for client, token in zip((first, second), tokens, strict=True):
        with client.session_transaction() as session:
            assert signer.loads(token) == session["csrf_token"]
    (page,) = stored_pages(app)
    assert CSRF_PLACEHOLDER in page
    assert not any(token.encode() in page for token in tokens)


def test_the_language_switch_works_from_a_cached_page(app, network):
    app.config["WTF_CSRF_ENABLED"] = True
    visitor, other = app.test_client(), app.test_client()
    other.get("/events/")  # stores the page
    page = _text(visitor.get("/events/"))  # served from the store, with this visitor's token
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    switched = visitor.post("/language", data={"language": "fr", "csrf_token": token})
    assert switched.status_code in (302, 303), _text(switched)[:500]


def test_the_language_is_part_of_the_key(app, network):
    visitor = app.test_client()
    english = _text(visitor.get("/events/", headers={"Accept-Language": "en"}))
    french = _text(visitor.get("/events/", headers={"Accept-Language": "fr"}))
    assert 'lang="en"' in english and 'lang="fr"' in french
    assert len(stored_pages(app)) == 2
    assert 'lang="en"' in _text(visitor.get("/events/", headers={"Accept-Language": "en"}))


def public_data_version() -> str:
    return dataversion.current(dataversion.PAGES, max_age=0).token


def test_an_approval_or_a_cancellation_moves_the_version(app, network, staff):
    _, _, _, events = network
    visitor = app.test_client()
    before = public_data_version()
    assert "Submitted Marker" not in _text(visitor.get("/events/"))

    transition(staff, events["submitted"], Action.APPROVE, "", notify=False)
    db.session.commit()
    approved = public_data_version()
    assert approved != before
    assert "Submitted Marker" in _text(visitor.get("/events/"))

    page = _text(visitor.get(f"/events/{events['public'].id}"))
    assert "Cancelled" not in page
    transition(staff, events["public"], Action.CANCEL, "No venue.", notify=False)
    db.session.commit()
    assert public_data_version() != approved
    assert "Cancelled" in _text(visitor.get(f"/events/{events['public'].id}"))


def test_another_process_sees_a_change_within_the_recheck_interval(app, network):
    _, _, _, events = network
    app.config["PAGE_CACHE_RECHECK_SECONDS"] = 0
    visitor = app.test_client()
    assert "Network Only Marker" not in _text(visitor.get("/events/"))
    # A write this app's sessions and engine did not see (another worker, another host): only
    # the version row in the database tells.
    event_id = events["network"].id
    db.session.remove()  # ends the read the request left open (SQLite would lock the write)
    with another_process() as session:
        session.get(Event, event_id).visibility = Visibility.PUBLIC
        session.commit()
    assert "Network Only Marker" in _text(visitor.get("/events/"))


@contextmanager
def another_process():
    """A session on an engine of its own, outside any app: what another worker writes with."""
    engine = create_engine(db.engine.url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def test_304_for_the_etag_the_visitor_was_given(app, network):
    visitor = app.test_client()
    first = visitor.get("/events/")
    etag = first.headers["ETag"]
    again = visitor.get("/events/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers.get("Cache-Control") == first.headers.get("Cache-Control")
    assert "Set-Cookie" not in again.headers  # their session is theirs already: not re-sent
    # Another visitor's copy holds another token: not theirs to keep.
    assert app.test_client().get("/events/", headers={"If-None-Match": etag}).status_code == 200
    assert visitor.get("/events/", headers={"If-None-Match": '"other"'}).status_code == 200


def test_waiting_flashed_messages_are_shown_not_a_cached_page(app, network):
    visitor = app.test_client()
    visitor.get("/events/")
    with visitor.session_transaction() as session:
        session["_flashes"] = [("info", "A message for this visitor only")]
    assert "A message for this visitor only" in _text(visitor.get("/events/"))
    assert all(b"A message for this visitor only" not in page for page in stored_pages(app))


def test_responses_that_set_cookies_or_change_the_session_are_not_stored(app, client):
    @cached_page
    def sets_cookie():
        from flask import make_response

        response = make_response("<p>cookie</p>")
        response.set_cookie("flavour", "oat")
        return response

    @cached_page
    def changes_session():
        from flask import session

        session["seen"] = True
        return "<p>session</p>"

    app.add_url_rule("/test-cookie", view_func=public(sets_cookie))
    app.add_url_rule("/test-session", view_func=public(changes_session))
    for url in ("/test-cookie", "/test-session"):
        assert client.get(url).status_code == 200
    assert stored_pages(app) == []


def test_the_bypass_header_works_only_when_configured(app, network):
    visitor = app.test_client()
    app.config["PAGE_CACHE_BYPASS_HEADER"] = "X-Bench-Cold"
    assert "Public Marker" in _text(visitor.get("/events/", headers={"X-Bench-Cold": "1"}))
    assert stored_pages(app) == []
    app.config["PAGE_CACHE_BYPASS_HEADER"] = None
    visitor.get("/events/", headers={"X-Bench-Cold": "1"})
    assert len(stored_pages(app)) == 1  # not configured: an ordinary request


def test_the_cache_can_be_turned_off(app, network):
    app.config["PAGE_CACHE"] = False
    app.test_client().get("/events/")
    assert stored_pages(app) == []


def test_visitors_arriving_during_a_render_wait_for_it(app, network):
    renders = []

    @cached_page
    def slow_page():
        renders.append(1)
        time.sleep(0.3)
        return "<p>slow</p>"

    app.add_url_rule("/test-slow", view_func=public(slow_page))
    answers = []

    def visit():
        with app.app_context():
            answers.append(app.test_client().get("/test-slow").status_code)

    visitors = [threading.Thread(target=visit) for _ in range(4)]
    for visitor in visitors:
        visitor.start()
    for visitor in visitors:
        visitor.join()
    assert answers == [200] * 4
    assert len(renders) == 1
