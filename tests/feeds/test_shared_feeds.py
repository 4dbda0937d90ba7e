"""Feeds shared between processes (Redis) or kept in one: single flight, fallbacks, Last-Modified
after removals, gzip, 304s without the database, and the size cap's honest reach."""

from __future__ import annotations

import gzip
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
import time_machine
from sqlalchemy import event as sa_event

from coordinator import create_app, metrics
from coordinator.activities.models import Event, EventKind, Visibility
from coordinator.extensions import db
from coordinator.feeds import cache as feeds_cache
from coordinator.feeds import ical
from tests import factories
from tests.feeds.validation import unfolded, validate_feed

REDIS_URL = "redis://127.0.0.1:6379/10"


def _uids(body: bytes) -> set[str]:
    return {line[4:] for line in unfolded(body) if line.startswith("UID:")}


def _uid(event) -> str:
    return f"{event.id}@coordinator.medcities.org"


def _builds_total() -> float:
    return metrics.REGISTRY.get_sample_value("coordinator_feed_builds_total") or 0.0


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own in db 10, removed afterwards."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = f"feedcache-test:{uuid.uuid4().hex}:"
    yield prefix
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)
    client.close()


@pytest.fixture
def app_config(app_config, request):
    """Tests that ask for `on_redis` run on Redis (skipped when it does not run here)."""
    if "on_redis" in request.fixturenames:
        prefix = request.getfixturevalue("redis_prefix")
        return {**app_config, "CACHE_URL": REDIS_URL, "CACHE_PREFIX": prefix}
    return app_config


@pytest.fixture
def on_redis():
    """Asked for by the tests whose app shares its cache through Redis."""


@pytest.fixture
def shared_config(app_config, redis_prefix):
    return {**app_config, "CACHE_URL": REDIS_URL, "CACHE_PREFIX": redis_prefix}


@pytest.fixture
def other_app(app_config):
    """make(config=None): another app instance on the same database (another worker or host)."""
    made = []

    def make(config=None):
        other = create_app(config or app_config)
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def _builds_of(an_app) -> int:
    with an_app.app_context():
        return feeds_cache.feed_cache().builds


# --- sharing and single flight ------------------------------------------------------------------


def test_a_feed_built_by_one_app_is_served_by_another_without_a_build(
    on_redis, app, fetch, app_config, other_app
):
    factories.EventFactory()
    before = _builds_total()
    first = fetch("/calendar.ics?kind=workshop")
    db.session.commit()  # SQLite: the request's read transaction holds the write lock
    host_b = other_app(app_config)
    second = host_b.test_client().get("/calendar.ics?kind=workshop")
    assert first.status_code == second.status_code == 200
    assert second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Last-Modified"] == first.headers["Last-Modified"]
    assert (_builds_of(app), _builds_of(host_b)) == (1, 0)
    assert _builds_total() - before == 1
    # A change is seen by both, and built by one of them only.
    factories.EventFactory()
    db.session.commit()
    changed = host_b.test_client().get("/calendar.ics?kind=workshop")
    assert fetch("/calendar.ics?kind=workshop").data == changed.data != first.data
    assert (_builds_of(app), _builds_of(host_b)) == (1, 1)


def _slow_builds(monkeypatch, seconds: float = 0.3):
    real = feeds_cache.build_feed

    def slow(*args, **kwargs):
        time.sleep(seconds)
        return real(*args, **kwargs)

    monkeypatch.setattr(feeds_cache, "build_feed", slow)


def _burst(clients, url: str, per_client: int = 4) -> list:
    responses: list = []
    guard = threading.Lock()
    start = threading.Barrier(len(clients) * per_client)

    def get(client):
        start.wait()
        response = client.get(url)
        with guard:
            responses.append(response)

    threads = [
        threading.Thread(target=get, args=(client,))
        for client in clients
        for _ in range(per_client)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def test_concurrent_requests_for_a_cold_feed_build_it_once(app, monkeypatch):
    factories.EventFactory()
    db.session.commit()
    _slow_builds(monkeypatch)
    before = _builds_total()
    responses = _burst([app.test_client()], "/calendar.ics", per_client=8)
    assert {r.status_code for r in responses} == {200}
    assert len({r.data for r in responses}) == 1
    assert _builds_of(app) == 1 and _builds_total() - before == 1


def test_concurrent_requests_on_two_apps_build_a_cold_feed_once(
    on_redis, app, app_config, other_app, monkeypatch
):
    factories.EventFactory()
    db.session.commit()
    host_b = other_app(app_config)
    _slow_builds(monkeypatch)
    before = _builds_total()
    responses = _burst([app.test_client(), host_b.test_client()], "/calendar.ics?country=FR")
    assert {r.status_code for r in responses} == {200}
    assert len({r.data for r in responses}) == 1
    assert _builds_of(app) + _builds_of(host_b) == 1
    assert _builds_total() - before == 1


def test_while_one_process_rebuilds_the_others_serve_the_previous_bytes(app, fetch, monkeypatch):
    factories.EventFactory(title="Before")
    first = fetch("/calendar.ics")
    factories.EventFactory(title="Added")
    db.session.commit()
    store = app.extensions["shared_cache"]
    key = feeds_cache._feed_key(("network", ()))
    with store.single_flight(key, wait=0.1) as held:  # another process is building it
        assert held
        during = app.test_client().get("/calendar.ics")
    assert during.status_code == 200 and during.data == first.data
    after = fetch("/calendar.ics")
    assert b"Added" in after.data


def test_an_unreachable_redis_falls_back_to_this_process(app, app_config, caplog):
    closed = create_app({**app_config, "CACHE_URL": "redis://127.0.0.1:1/0"})
    with closed.app_context():
        factories.EventFactory()
        db.session.commit()
        client = closed.test_client()
        first = client.get("/calendar.ics")
        again = client.get("/calendar.ics", headers={"If-None-Match": first.headers["ETag"]})
        assert first.status_code == 200 and again.status_code == 304
        validate_feed(first.data, with_js=False)
        assert feeds_cache.feed_cache().builds == 1
        db.session.remove()
        db.engine.dispose()
    assert "Redis unreachable" in caplog.text


# --- Last-Modified ------------------------------------------------------------------------------


def _remove(kind: str, event) -> None:
    if kind == "deleted":
        db.session.delete(event)
    else:
        event.visibility = Visibility.NETWORK


@pytest.mark.parametrize("removal", ["deleted", "network-only"])
def test_an_if_modified_since_client_sees_a_removal(fetch, removal):
    now = datetime.now(UTC)
    kept = factories.EventFactory(updated_dt=now - timedelta(hours=1, microseconds=-123456))
    gone = factories.EventFactory(updated_dt=now - timedelta(hours=2))
    first = fetch("/calendar.ics")
    assert _uids(first.data) == {_uid(kept), _uid(gone)}
    with time_machine.travel(now + timedelta(seconds=1), tick=False):
        _remove(removal, gone)
        second = fetch(
            "/calendar.ics", headers={"If-Modified-Since": first.headers["Last-Modified"]}
        )
    assert second.status_code == 200
    assert _uids(second.data) == {_uid(kept)}
    assert second.last_modified > first.last_modified
    # Whole seconds on both sides: its own date gives a 304 now.
    again = fetch("/calendar.ics", headers={"If-Modified-Since": second.headers["Last-Modified"]})
    assert again.status_code == 304


@pytest.mark.parametrize("shared", [False, True], ids=["each-process", "redis"])
def test_a_fresh_app_sees_a_removal_after_another_served_the_feed(
    app, request, app_config, other_app, shared
):
    config = request.getfixturevalue("shared_config") if shared else app_config
    host_a = other_app(config)
    now = datetime.now(UTC)
    with host_a.app_context():
        kept = factories.EventFactory(updated_dt=now - timedelta(hours=1, microseconds=-5))
        gone = factories.EventFactory(updated_dt=now - timedelta(hours=2))
        db.session.commit()
        kept_uid, gone_uid, gone_id = _uid(kept), _uid(gone), gone.id
    first = host_a.test_client().get("/calendar.ics")
    assert _uids(first.data) == {kept_uid, gone_uid}
    with time_machine.travel(now + timedelta(minutes=5), tick=False):
        with host_a.app_context():
            db.session.delete(db.session.get(Event, gone_id))
            db.session.commit()
        fresh = other_app(config)  # a worker started after the deletion
        second = fresh.test_client().get(
            "/calendar.ics", headers={"If-Modified-Since": first.headers["Last-Modified"]}
        )
    assert second.status_code == 200 and _uids(second.data) == {kept_uid}
    assert second.last_modified > first.last_modified


def test_last_modified_moves_on_each_change_within_one_second(fetch):
    event = factories.EventFactory()
    with time_machine.travel(datetime.now(UTC).replace(microsecond=500_000), tick=False):
        first = fetch("/calendar.ics")
        event.title = "Renamed"
        second = fetch(
            "/calendar.ics", headers={"If-Modified-Since": first.headers["Last-Modified"]}
        )
        assert second.status_code == 200 and second.last_modified > first.last_modified
        # The same data is the same bytes: Last-Modified stays.
        event.title = "Renamed"
        assert fetch("/calendar.ics").headers["Last-Modified"] == second.headers["Last-Modified"]


# --- gzip ---------------------------------------------------------------------------------------


def test_gzip_and_identity_bodies_are_the_same_calendar(fetch):
    factories.EventFactory(title="Forum μέρα / يوم", themes=[factories.ThemeFactory()])
    factories.EventFactory(timezone="Africa/Casablanca")
    plain = fetch("/calendar.ics")
    zipped = fetch("/calendar.ics", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    for response in (plain, zipped):
        assert "Accept-Encoding" in response.headers["Vary"]
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    unzipped = gzip.decompress(zipped.data)
    assert unzipped == plain.data and len(zipped.data) < len(plain.data)
    validate_feed(unzipped, with_js=False)
    assert (
        icalendar.Calendar.from_ical(unzipped).to_ical()
        == icalendar.Calendar.from_ical(plain.data).to_ical()
    )
    plain_etag, zipped_etag = plain.headers["ETag"], zipped.headers["ETag"]
    assert zipped_etag == plain_etag[:-1] + '-gz"'
    # A 304 for each encoding, on its own ETag; the other encoding's ETag is another copy.
    revalidated = fetch(
        "/calendar.ics", headers={"Accept-Encoding": "gzip", "If-None-Match": zipped_etag}
    )
    assert revalidated.status_code == 304 and revalidated.headers["ETag"] == zipped_etag
    assert "Content-Encoding" not in revalidated.headers
    assert fetch("/calendar.ics", headers={"If-None-Match": plain_etag}).status_code == 304
    assert fetch("/calendar.ics", headers={"If-None-Match": zipped_etag}).status_code == 200
    since = {"If-Modified-Since": plain.headers["Last-Modified"]}
    assert fetch("/calendar.ics", headers={**since, "Accept-Encoding": "gzip"}).status_code == 304
    # gzip refused (q=0) or not named: the plain bytes.
    for refused in ("gzip;q=0", "identity", "br"):
        response = fetch("/calendar.ics", headers={"Accept-Encoding": refused})
        assert "Content-Encoding" not in response.headers and response.data == plain.data


# --- 304s without the database ------------------------------------------------------------------


@pytest.fixture
def statements(app):
    """The SQL statements run while the returned list is being watched."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    sa_event.remove(db.engine, "before_cursor_execute", record)


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_a_304_inside_the_recheck_interval_asks_no_database(app, fetch, statements, encoding):
    app.config["FEED_RECHECK_SECONDS"] = 60
    factories.EventFactory()
    lead = factories.PartnerFactory(slug="water-hub")
    factories.EventFactory(lead_partner=lead)
    headers = {"Accept-Encoding": encoding}
    with time_machine.travel(datetime.now(UTC), tick=False):
        for url in ("/calendar.ics", "/partners/water-hub/calendar.ics?kind=workshop"):
            first = fetch(url, headers=headers)
            statements.clear()
            response = app.test_client().get(
                url, headers={**headers, "If-None-Match": first.headers["ETag"]}
            )
            assert response.status_code == 304, url
            assert statements == [], url
            since = {**headers, "If-Modified-Since": first.headers["Last-Modified"]}
            assert app.test_client().get(url, headers=since).status_code == 304
            assert statements == [], url


# --- the size cap and its honest reach ----------------------------------------------------------


def _daily_events(count: int, lead=None) -> list:
    lead = lead or factories.PartnerFactory()
    now = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    events = []
    for index in range(count):
        start = now + timedelta(days=1 + index // 2, hours=index % 2)
        events.append(
            factories.EventFactory(
                lead_partner=lead,
                start_dt=start,
                end_dt=start + timedelta(hours=1),
                description="Programme. " * 40,
            )
        )
    return events


def test_a_feed_cut_by_its_cap_says_how_far_it_reaches(app, fetch):
    events = _daily_events(60)
    complete = fetch("/calendar.ics")
    assert "X-Coordinator-Feed-Until" not in complete.headers
    assert "Events until" not in complete.data.decode()
    app.config["FEED_MAX_BYTES"] = 20_000
    db.session.commit()
    factories.EventFactory(start_dt=events[-1].start_dt + timedelta(days=1))  # a new build
    cut = fetch("/calendar.ics")
    body = cut.data
    assert len(body) <= 20_000
    validate_feed(body, with_js=False)
    until = date.fromisoformat(cut.headers["X-Coordinator-Feed-Until"])
    shown = _uids(body)
    assert 0 < len(shown) < 60
    # Every event up to that day is in, none after it: the feed ends at a day boundary.
    for event in events:
        assert (_uid(event) in shown) is (event.start_dt.astimezone(UTC).date() <= until)
    calendar = icalendar.Calendar.from_ical(body)
    description = str(calendar["DESCRIPTION"])
    assert "Events until" in str(calendar["X-WR-CALDESC"])
    assert f"Events until {until:%B} {until.day}, {until.year}" in description
    assert "subscribe to a narrower feed for more" in description
    # Descriptions went first.
    assert "Programme." not in body.decode()
    # The 304 says it too.
    again = fetch("/calendar.ics", headers={"If-None-Match": cut.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["X-Coordinator-Feed-Until"] == until.isoformat()


def test_the_events_page_offers_narrower_feeds_when_the_network_feed_is_cut(app, fetch):
    _daily_events(30)
    # The page links the feed in its own language (lang=): the reach is that feed's.
    fetch("/calendar.ics?lang=en")
    assert "data-feed-reach" not in fetch("/events/").data.decode()
    app.config["FEED_MAX_BYTES"] = 15_000
    factories.EventFactory()
    until = fetch("/calendar.ics?lang=en").headers["X-Coordinator-Feed-Until"]
    page = fetch("/events/").data.decode()
    assert f'data-feed-reach="{until}"' in page
    assert 'href="/partners/"' in page
    # A filtered feed that was never cut says nothing.
    assert "data-feed-reach" not in fetch("/events/?country=GR").data.decode()


def test_a_build_reads_only_as_far_as_the_cap_and_translates_kinds_once(app, fetch, monkeypatch):
    monkeypatch.setattr(feeds_cache, "BATCH", 40)
    lead = factories.PartnerFactory()
    now = datetime.now(UTC)
    for index in range(4 * feeds_cache.BATCH):
        factories.EventFactory(
            lead_partner=lead,
            start_dt=now + timedelta(days=1, hours=index),
            end_dt=now + timedelta(days=1, hours=index + 1),
        )
    db.session.commit()
    app.config["FEED_MAX_BYTES"] = 15_000

    loaded, labels, assembled = [], [], []
    # The build reads rows, not Events: each batch's ids go to one lookup of their themes.
    real_theme_names = feeds_cache._theme_names

    def theme_names(event_ids):
        loaded.extend(event_ids)
        return real_theme_names(event_ids)

    monkeypatch.setattr(feeds_cache, "_theme_names", theme_names)
    real_label = EventKind.label
    monkeypatch.setattr(
        EventKind, "label", property(lambda kind: labels.append(kind) or real_label.fget(kind))
    )
    real_assemble = ical.assemble
    monkeypatch.setattr(ical, "assemble", lambda *a: assembled.append(1) or real_assemble(*a))
    response = fetch("/calendar.ics")
    assert response.status_code == 200 and "X-Coordinator-Feed-Until" in response.headers
    written = len(_uids(response.data))
    assert 0 < written < feeds_cache.BATCH
    assert 0 < len(loaded) <= feeds_cache.BATCH  # one batch read, not the window's 160 events
    assert len(labels) <= len(EventKind)
    assert len(assembled) == 1


def test_the_size_lower_bound_stays_under_the_feed_it_bounds(app, fetch):
    from coordinator.activities.filters import EventFilters
    from coordinator.feeds import scopes

    for title, summary, description in [
        ("  Forum  ", "", "   "),
        ("يوم المدن", "Résumé μέρα", "Long text. " * 300),
        ("x", None, None),
    ]:
        factories.EventFactory(title=title, summary=summary, description=description)
    db.session.commit()
    body = fetch("/calendar.ics").data
    with app.test_request_context("/calendar.ics"):
        least = feeds_cache._least_octets(
            scopes.network_scope(EventFilters()),
            scopes.Window.at(datetime.now(UTC)),
            app.config["FEED_MAX_DESCRIPTION"],
        )
    vevents = body[body.index(b"BEGIN:VEVENT") : body.rindex(b"END:VEVENT")]
    assert 3 * 200 < least <= len(vevents)


def test_skipping_descriptions_that_cannot_fit_writes_the_same_bytes():
    now = datetime(2027, 3, 1, 9, tzinfo=UTC)
    events = [
        ical.FeedEvent(
            uid=f"{index}@test",
            title=f"Event {index}",
            start_dt=now + timedelta(hours=7 * index),
            end_dt=now + timedelta(hours=7 * index + 1),
            timezone="Asia/Beirut",
            updated_dt=now,
            description="Programme; détails. " * 30,
        )
        for index in range(120)
    ]
    meta = ical.CalendarMeta(name="Cap")
    for cap in (10_000, 20_000):
        tried = ical.fit_events(meta, events, cap, lambda until: f"Until {until}.")
        skipped = ical.fit_events(
            meta, events, cap, lambda until: f"Until {until}.", descriptions_fit=False
        )
        assert tried == skipped and tried.until is not None and len(tried.body) <= cap


def _built(octets: int) -> feeds_cache.BuiltFeed:
    now = datetime.now(UTC)
    return feeds_cache.BuiltFeed(
        body=bytes(octets),
        gzip_body=bytes(octets // 10),
        etag=uuid.uuid4().hex,
        last_modified=now,
        version="v",
        valid_until=now + timedelta(hours=1),
        event_count=1,
        until=None,
        checked_dt=now,
    )


def test_the_process_feed_cache_is_bounded_by_octets_too():
    # 256 feeds of 900 KB each (and their gzip bytes) would be a quarter of a gigabyte.
    cache = feeds_cache.FeedCache(capacity=256, max_bytes=3_500)
    for index in range(10):
        cache.put(("feed", index), _built(1_000))
    assert cache.size == 3 * 1_100 and len(cache.entries) == 3
    assert [cache.get(("feed", index)) is not None for index in range(10)] == [False] * 7 + [
        True
    ] * 3
    cache.put(("feed", 9), _built(100))  # a rebuilt feed counts its new bytes only
    assert cache.size == 2 * 1_100 + 110
    cache.put(("big", 0), _built(5_000))  # served alone when it is over the bound by itself
    assert list(cache.entries) == [("big", 0)] and cache.size == 5_500


def test_the_process_feed_cache_takes_its_bounds_from_the_config(app):
    app.config.update(FEED_CACHE_ENTRIES=7, FEED_CACHE_BYTES=12_345)
    app.extensions.pop("feeds.cache", None)
    cache = feeds_cache.feed_cache()
    assert (cache.capacity, cache.max_bytes) == (7, 12_345)
