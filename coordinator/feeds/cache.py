"""Built feeds kept per process, rebuilt only when their data changed or a window boundary
passed: versions, ETags and Last-Modified."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from coordinator import metrics
from coordinator.activities.models import Event, Status, Theme, event_themes
from coordinator.db import utcnow
from coordinator.extensions import db
from coordinator.feeds.scopes import FeedScope, Window, cancelled_at, scoped
from coordinator.feeds.services import calendar_meta, feed_language, fit_calendar, to_feed_event

_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)
# The earliest Last-Modified a feed states.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def strong_etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:40]


@dataclass
class BuiltFeed:
    body: bytes
    etag: str
    last_modified: datetime
    version: tuple
    valid_until: datetime
    event_count: int
    checked_dt: datetime  # when the version was last compared with the database


@dataclass
class FeedCache:
    """Built feeds of this process, by feed identity; bounded, least recently used out first.
    It also remembers which feed each requested URL resolved to (`addresses`), so that a URL
    seen before is answered without parsing its filters or looking up its partner or project."""

    capacity: int
    entries: OrderedDict = field(default_factory=OrderedDict)
    addresses: OrderedDict = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    builds: int = 0

    def get(self, identity: tuple) -> BuiltFeed | None:
        with self.lock:
            entry = self.entries.get(identity)
            if entry is not None:
                self.entries.move_to_end(identity)
            return entry

    def put(self, identity: tuple, entry: BuiltFeed) -> None:
        with self.lock:
            self.builds += 1
            self.entries[identity] = entry
            self.entries.move_to_end(identity)
            while len(self.entries) > self.capacity:
                self.entries.popitem(last=False)

    def feed_at(self, address: tuple) -> BuiltFeed | None:
        with self.lock:
            identity = self.addresses.get(address)
            return None if identity is None else self.entries.get(identity)

    def remember_address(self, address: tuple, identity: tuple) -> None:
        with self.lock:
            self.addresses[address] = identity
            self.addresses.move_to_end(address)
            # Many spellings of one feed's URL are possible (argument order, repeats): bounded.
            while len(self.addresses) > 4 * self.capacity:
                self.addresses.popitem(last=False)


def feed_cache() -> FeedCache:
    extensions = current_app.extensions
    cache = extensions.get("feeds.cache")
    if cache is None:
        cache = extensions.setdefault(
            "feeds.cache", FeedCache(current_app.config["FEED_CACHE_ENTRIES"])
        )
    return cache


def feed_version(scope: FeedScope) -> tuple:
    """A cheap fingerprint of everything the feed may show: any insert, edit, status or
    visibility change, deletion or filter membership change moves it."""
    # CATEGORIES come from themes: attaching one to an event does not touch the event's row,
    # and renaming one touches no event at all. Theme links are counted network-wide (one
    # cheap scan, no join): a change anywhere rebuilds, which is rare.
    links = (
        select(func.count()).select_from(event_themes),
        select(func.coalesce(func.sum(event_themes.c.theme_id), 0)),
        select(func.coalesce(func.sum(event_themes.c.event_id), 0)),
    )
    query = select(
        func.count(Event.id),
        func.coalesce(func.sum(Event.id), 0),
        func.max(Event.updated_dt),
        func.coalesce(func.sum(Event.sequence), 0),
        *(link.scalar_subquery() for link in links),
    )
    count, id_sum, latest, sequences, *link_sums = db.session.execute(scoped(query, scope)).one()
    names = hashlib.sha256(
        repr(db.session.execute(select(Theme.id, Theme.name).order_by(Theme.id)).all()).encode()
    ).hexdigest()
    return (
        int(count),
        int(id_sum),
        _as_utc(latest),
        int(sequences),
        tuple(int(v) for v in link_sums),
        names,
    )


def _as_utc(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite aggregates can come back as text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def current_feed(scope: FeedScope, now: datetime | None = None) -> BuiltFeed:
    """The feed's bytes, rebuilt only when its data changed or a window boundary passed."""
    return _current_feed(scope, scope.identity, now or utcnow())


def _current_feed(scope: FeedScope, identity: tuple, now: datetime) -> BuiltFeed:
    cache = feed_cache()
    cached = cache.get(identity)
    if cached is not None and _needs_no_check(cached, now):
        metrics.FEED_CACHE_HITS.inc()
        return cached
    version = feed_version(scope)
    if cached is not None and cached.version == version and now < cached.valid_until:
        cached.checked_dt = now
        metrics.FEED_CACHE_HITS.inc()
        return cached
    built = build_feed(scope, Window.at(now), version, cached)
    metrics.FEED_BUILDS.inc()
    cache.put(identity, built)
    return built


def feed_for_request(make_scope: Callable[[], FeedScope], now: datetime | None = None) -> BuiltFeed:
    """current_feed() for the feed this request's URL names. While the feed needs no check, a
    URL answered before gets its bytes straight away; otherwise make_scope() runs again (and may
    abort, for a partner or project that is gone), so the shortcut is never staler than
    FEED_RECHECK_SECONDS."""
    now = now or utcnow()
    cache = feed_cache()
    address = _request_address()
    cached = cache.feed_at(address)
    if cached is not None and _needs_no_check(cached, now):
        metrics.FEED_CACHE_HITS.inc()
        return cached
    scope = make_scope()
    cache.remember_address(address, scope.identity)
    return _current_feed(scope, scope.identity, now)


def _needs_no_check(cached: BuiltFeed, now: datetime) -> bool:
    """Still inside its time window and compared with the database less than
    FEED_RECHECK_SECONDS ago."""
    if now >= cached.valid_until:
        return False
    recheck = current_app.config["FEED_RECHECK_SECONDS"]
    return 0 <= (now - cached.checked_dt).total_seconds() < recheck


def _request_address() -> tuple:
    # The URL's path and query as the client sent them, read straight from the WSGI environment:
    # this runs on every feed request. Host and scheme are left out on purpose: a feed's links
    # come from BASE_URL, so its bytes are the same whatever host the request named.
    environ = request.environ
    return tuple(environ.get(key, "") for key in _ADDRESS_KEYS)


_ADDRESS_KEYS = ("SCRIPT_NAME", "PATH_INFO", "QUERY_STRING")


def build_feed(
    scope: FeedScope, window: Window, version: tuple, previous: BuiltFeed | None
) -> BuiltFeed:
    events = db.session.scalars(
        scoped(select(Event), scope)
        .where(window.clause())
        .options(selectinload(Event.themes))
        .order_by(Event.start_dt, Event.id)
    ).all()
    with feed_language():
        body = fit_calendar(
            calendar_meta(scope.name, scope.description),
            [to_feed_event(event) for event in events],
            current_app.config["FEED_MAX_BYTES"],
        )
    etag = strong_etag(body)
    valid_until, last_boundary = _boundaries(scope, window, events)
    last_modified = max(d for d in (version[2], last_boundary, EPOCH) if d is not None)
    if previous is not None:
        if previous.etag != etag and last_modified <= previous.last_modified:
            # Something left the feed (deleted, made private) without a newer timestamp.
            last_modified = window.now
        last_modified = max(last_modified, previous.last_modified)
    return BuiltFeed(
        body=body,
        etag=etag,
        last_modified=min(last_modified, window.now).replace(microsecond=0),
        version=version,
        valid_until=valid_until,
        event_count=len(events),
        checked_dt=window.now,
    )


def _boundaries(scope: FeedScope, window: Window, events) -> tuple[datetime, datetime | None]:
    """When the shown set next changes with time alone, and when it last did."""
    config = current_app.config
    past_grace = timedelta(days=config["FEED_PAST_GRACE_DAYS"])
    ahead = timedelta(days=config["FEED_DAYS_AHEAD"])
    cancelled_grace = timedelta(days=config["FEED_CANCELLED_GRACE_DAYS"])
    upcoming: list[datetime] = []
    passed: list[datetime] = []
    for event in events:
        upcoming.append(event.end_dt + past_grace)  # leaves the past grace period
        if event.status == Status.CANCELLED:
            upcoming.append(event.cancelled_dt + cancelled_grace)
        passed.append(event.start_dt - ahead)  # entered the window (if that is in the past)
    next_entry, last_exit, last_cancel_exit = db.session.execute(
        scoped(
            select(
                func.min(Event.start_dt).filter(Event.start_dt >= window.starts_before),
                func.max(Event.end_dt).filter(Event.end_dt <= window.ended_after),
                func.max(cancelled_at()).filter(
                    Event.status == Status.CANCELLED, cancelled_at() <= window.cancelled_after
                ),
            ),
            scope,
        )
    ).one()
    if next_entry is not None:
        upcoming.append(_as_utc(next_entry) - ahead)
    if last_exit is not None:
        passed.append(_as_utc(last_exit) + past_grace)
    if last_cancel_exit is not None:
        passed.append(_as_utc(last_cancel_exit) + cancelled_grace)
    future = [moment for moment in upcoming if moment > window.now]
    past = [moment for moment in passed if moment <= window.now]
    return (min(future) if future else _FAR_FUTURE), (max(past) if past else None)
