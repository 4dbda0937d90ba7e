"""Built feeds, shared by every worker and host: versions, ETags, Last-Modified and gzip.

A feed's entry lives in the shared cache (coordinator/sharedcache.py: Redis with CACHE_URL, this
process's memory without): its validators under `feed:<feed>:meta` and its plain and gzip bytes
under keys named by their ETag, so a reader never pairs the validators of one build with the bytes
of another. Each process also keeps the entries it served (`FeedCache`), and answers from them
without asking anyone while they are less than FEED_RECHECK_SECONDS old.

Only one process builds a given feed at a time (a single-flight lock per feed): the others wait
for its bytes when they have none, or serve the previous ones meanwhile.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask import current_app, request
from sqlalchemy import Row, Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import selectinload

from coordinator import dataversion, metrics
from coordinator.activities.models import LONG_EVENT_DAYS, Event, Status, Theme, event_themes
from coordinator.activities.queries import long_running_clause
from coordinator.db import utcnow
from coordinator.extensions import db
from coordinator.feeds.ical import fit_events
from coordinator.feeds.scopes import FeedScope, Window, cancelled_at, scoped
from coordinator.feeds.services import (
    calendar_meta,
    event_url_maker,
    feed_language,
    kind_labels,
    labels_by_language,
    reach_notice,
    to_feed_event,
)
from coordinator.sharedcache import SharedCache, shared_cache

_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)
# The earliest Last-Modified a feed states.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# Events read from the database at a time while a feed is written: a feed cut by its size cap
# reads about one batch more than it writes.
BATCH = 250
GZIP_SUFFIX = "-gz"


def strong_etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:40]


@dataclass
class BuiltFeed:
    body: bytes
    gzip_body: bytes
    etag: str  # of the plain bytes; the gzip bytes' is etag + GZIP_SUFFIX
    last_modified: datetime  # whole seconds
    version: str  # digest of the data version it was built from
    valid_until: datetime
    event_count: int  # events written
    until: date | None  # cut by the size cap: the last day it covers; None: the whole window
    checked_dt: datetime  # when the version was last compared with the database

    @property
    def gzip_etag(self) -> str:
        return self.etag + GZIP_SUFFIX

    def meta(self) -> bytes:
        return json.dumps(
            {
                "etag": self.etag,
                "last_modified": int(self.last_modified.timestamp()),
                "version": self.version,
                "valid_until": self.valid_until.isoformat(),
                "event_count": self.event_count,
                "until": self.until.isoformat() if self.until else None,
                "checked": self.checked_dt.isoformat(),
            }
        ).encode()


@dataclass(frozen=True)
class FeedMeta:
    """A feed's validators as the shared cache holds them (its bytes are under its ETag)."""

    etag: str
    last_modified: datetime
    version: str
    valid_until: datetime
    event_count: int
    until: date | None
    checked_dt: datetime

    @classmethod
    def parse(cls, raw: bytes | None) -> FeedMeta | None:
        if not raw:
            return None
        try:
            data = json.loads(raw)
            return cls(
                etag=data["etag"],
                last_modified=datetime.fromtimestamp(int(data["last_modified"]), UTC),
                version=data["version"],
                valid_until=datetime.fromisoformat(data["valid_until"]),
                event_count=int(data["event_count"]),
                until=date.fromisoformat(data["until"]) if data["until"] else None,
                checked_dt=datetime.fromisoformat(data["checked"]),
            )
        except (ValueError, KeyError, TypeError):
            return None  # written by another release, or damaged: rebuilt


@dataclass
class FeedCache:
    """The feeds this process served, by feed identity; bounded by count and by the octets of
    their bodies (plain and gzip), least recently used out first. It also remembers which feed
    each requested URL resolved to (`addresses`), so that a URL seen before is answered without
    parsing its filters or looking up its partner or project."""

    capacity: int
    max_bytes: int = 32 * 1024 * 1024
    entries: OrderedDict = field(default_factory=OrderedDict)
    addresses: OrderedDict = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    builds: int = 0  # feeds this process built (the others it took from the shared cache)
    size: int = 0  # octets of the bodies held

    def get(self, identity: tuple) -> BuiltFeed | None:
        with self.lock:
            entry = self.entries.get(identity)
            if entry is not None:
                self.entries.move_to_end(identity)
            return entry

    def put(self, identity: tuple, entry: BuiltFeed) -> None:
        with self.lock:
            previous = self.entries.pop(identity, None)
            if previous is not None:
                self.size -= _octets(previous)
            self.entries[identity] = entry
            self.size += _octets(entry)
            # The newest entry stays even alone over the bound: it is the one being served.
            while len(self.entries) > 1 and (
                len(self.entries) > self.capacity or self.size > self.max_bytes
            ):
                _, oldest = self.entries.popitem(last=False)
                self.size -= _octets(oldest)

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


def _octets(entry: BuiltFeed) -> int:
    return len(entry.body) + len(entry.gzip_body)


def feed_cache() -> FeedCache:
    extensions = current_app.extensions
    cache = extensions.get("feeds.cache")
    if cache is None:
        cache = extensions.setdefault(
            "feeds.cache",
            FeedCache(
                current_app.config["FEED_CACHE_ENTRIES"], current_app.config["FEED_CACHE_BYTES"]
            ),
        )
    return cache


def feed_version() -> dataversion.VersionRead:
    """What every feed is built from: the feeds' data version (coordinator/dataversion.py, its
    rule in activities/versions.py), which moves in the same transaction as any change a feed
    may show (a published event's insert, edit, transition or deletion, its themes and
    co-organisers, a theme's, partner's or project's rename). One row read per
    FEED_RECHECK_SECONDS per process, whatever the size of the data. Time passing moves no
    version: each feed's valid_until rebuilds it when its window next changes."""
    return dataversion.current(dataversion.FEEDS, current_app.config["FEED_RECHECK_SECONDS"])


def _digest(value) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:32]


def _as_utc(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite aggregates can come back as text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- finding a feed -----------------------------------------------------------------------------


def current_feed(scope: FeedScope, now: datetime | None = None) -> BuiltFeed:
    """The feed's bytes, rebuilt only when its data changed or a window boundary passed."""
    return _current_feed(scope, now or utcnow())


def feed_for_request(make_scope: Callable[[], FeedScope], now: datetime | None = None) -> BuiltFeed:
    """current_feed() for the feed this request's URL names. While the feed needs no check, a
    URL answered before gets its bytes straight away (no database, no shared cache); otherwise
    make_scope() runs again (and may abort, for a partner or project that is gone), so the
    shortcut is never staler than FEED_RECHECK_SECONDS."""
    now = now or utcnow()
    cache = feed_cache()
    address = _request_address()
    cached = cache.feed_at(address)
    if cached is not None and _needs_no_check(cached, now):
        metrics.FEED_CACHE_HITS.inc()
        return cached
    scope = make_scope()
    cache.remember_address(address, scope.identity)
    return _current_feed(scope, now)


def _current_feed(scope: FeedScope, now: datetime) -> BuiltFeed:
    cache = feed_cache()
    local = cache.get(scope.identity)
    if local is not None and _needs_no_check(local, now):
        metrics.FEED_CACHE_HITS.inc()
        return local
    store = shared_cache()
    key = _feed_key(scope.identity)
    shared = FeedMeta.parse(store.get(key + ":meta"))
    if shared is not None and _needs_no_check(shared, now):
        # Another process compared it with the database less than FEED_RECHECK_SECONDS ago.
        found = _served(cache, scope, store, shared, local, shared.checked_dt)
        if found is not None:
            return found
    if dataversion.has_unsaved_changes(dataversion.FEEDS):
        # This session's uncommitted changes: a feed built from them is no one else's.
        return build_feed(scope, Window.at(now), "unsaved", None)
    read = feed_version()
    version, checked_dt = _digest(read.token), min(now, read.read_dt)
    if _is_current(shared, version, now):
        found = _served(cache, scope, store, shared, local, checked_dt)
        if found is not None:
            store.set(key + ":meta", found.meta(), ttl=_ttl())
            return found
    previous = shared or (FeedMeta.parse(local.meta()) if local is not None else None)
    # With previous bytes to serve, don't wait for another process's build: serve them.
    wait = 0.0 if previous is not None else current_app.config["FEED_BUILD_WAIT_SECONDS"]
    with store.single_flight(key, wait=wait) as building:
        # Whoever held the lock may have just built this very version.
        latest = FeedMeta.parse(store.get(key + ":meta"))
        if _is_current(latest, version, now):
            found = _served(cache, scope, store, latest, local, checked_dt)
            if found is not None:
                return found
        if not building and previous is not None:
            stale = _served(cache, scope, store, previous, local, previous.checked_dt, keep=False)
            if stale is not None:
                return stale
        # Ours to build (or the other builder is taking too long: never fail the request).
        built = build_feed(scope, Window.at(now), version, latest or previous)
        built.checked_dt = min(built.checked_dt, checked_dt)  # when `version` was read
        metrics.FEED_BUILDS.inc()
        with cache.lock:
            cache.builds += 1
        ttl = _ttl()
        store.set(_body_key(built.etag), built.body, ttl=ttl)
        store.set(_body_key(built.gzip_etag), built.gzip_body, ttl=ttl)
        store.set(key + ":meta", built.meta(), ttl=ttl)
        cache.put(scope.identity, built)
        return built


def _is_current(meta: FeedMeta | None, version: str, now: datetime) -> bool:
    return meta is not None and meta.version == version and now < meta.valid_until


def _served(
    cache: FeedCache,
    scope: FeedScope,
    store: SharedCache,
    meta: FeedMeta,
    local: BuiltFeed | None,
    checked_dt: datetime,
    keep: bool = True,
) -> BuiltFeed | None:
    """The feed `meta` describes, with its bytes (from this process when it has them), or None
    when they are gone from the shared cache."""
    if local is not None and local.etag == meta.etag:
        body, gzip_body = local.body, local.gzip_body
    else:
        body = store.get(_body_key(meta.etag))
        gzip_body = store.get(_body_key(meta.etag + GZIP_SUFFIX))
        if body is None or gzip_body is None:
            return None
    entry = BuiltFeed(
        body=body,
        gzip_body=gzip_body,
        etag=meta.etag,
        last_modified=meta.last_modified,
        version=meta.version,
        valid_until=meta.valid_until,
        event_count=meta.event_count,
        until=meta.until,
        checked_dt=checked_dt,
    )
    if keep:
        cache.put(scope.identity, entry)
    metrics.FEED_CACHE_HITS.inc()
    return entry


def _needs_no_check(cached: BuiltFeed | FeedMeta, now: datetime) -> bool:
    """Still inside its time window and compared with the database less than
    FEED_RECHECK_SECONDS ago."""
    if now >= cached.valid_until:
        return False
    recheck = current_app.config["FEED_RECHECK_SECONDS"]
    return 0 <= (now - cached.checked_dt).total_seconds() < recheck


def _feed_key(identity: tuple) -> str:
    return "feed:" + _digest(identity)


def _body_key(etag: str) -> str:
    return "feed-bytes:" + etag


def _ttl() -> float:
    return float(current_app.config["FEED_CACHE_SECONDS"])


def _request_address() -> tuple:
    # The URL's path and query as the client sent them, read straight from the WSGI environment:
    # this runs on every feed request. Host and scheme are left out on purpose: a feed's links
    # come from BASE_URL, so its bytes are the same whatever host the request named.
    environ = request.environ
    return tuple(environ.get(key, "") for key in _ADDRESS_KEYS)


_ADDRESS_KEYS = ("SCRIPT_NAME", "PATH_INFO", "QUERY_STRING")


def cached_reach(scope: FeedScope) -> date | None:
    """The last day a feed built before covers when its size cap cut it short; None when it
    shows its whole window or was not built yet (this never builds)."""
    local = feed_cache().get(scope.identity)
    if local is not None:
        return local.until
    shared = FeedMeta.parse(shared_cache().get(_feed_key(scope.identity) + ":meta"))
    return shared.until if shared is not None else None


# --- building -----------------------------------------------------------------------------------


def build_feed(
    scope: FeedScope, window: Window, version: str, previous: FeedMeta | None
) -> BuiltFeed:
    """The feed written from the window's events, read in start order and only as far as the
    size cap lets them in."""
    loaded: list = []
    meta = calendar_meta(scope.name, scope.description)
    max_bytes = current_app.config["FEED_MAX_BYTES"]
    descriptions_fit = _least_octets(scope, window, meta.max_description, max_bytes) <= max_bytes

    def feed_events() -> Iterator:
        url_of = event_url_maker()
        labels = kind_labels()
        words = labels_by_language()
        for event, themes in _window_events(scope, window, descriptions_fit, scope.language):
            loaded.append(event)
            if scope.language is None:
                yield to_feed_event(event, url_of, labels, themes=themes)
            else:
                yield to_feed_event(event, url_of, labels, scope.language, words)

    with feed_language(scope.language):
        fitted = fit_events(
            meta, feed_events(), max_bytes, reach_notice, descriptions_fit=descriptions_fit
        )
    body = fitted.body
    etag = strong_etag(body)
    shown = loaded[: fitted.written]
    valid_until = _next_boundary(scope, window, shown, complete=fitted.until is None)
    return BuiltFeed(
        body=body,
        gzip_body=gzip.compress(body, compresslevel=9, mtime=0),
        etag=etag,
        last_modified=_last_modified(etag, window.now, previous),
        version=version,
        valid_until=valid_until,
        event_count=fitted.written,
        until=fitted.until,
        checked_dt=window.now,
    )


# Octets every VEVENT takes at least besides its texts: BEGIN/END, UID, DTSTAMP, DTSTART, DTEND,
# STATUS, TRANSP, SEQUENCE and LAST-MODIFIED lines (each longer than this share of it).
_LEAST_EVENT_OCTETS = 200


def _least_octets(
    scope: FeedScope, window: Window, max_description: int, max_bytes: int | None = None
) -> int:
    """A lower bound of the window's events' size with their descriptions (no row read). The
    bound grows with every event, so with max_bytes it is taken over at most as many events as
    could fit at _LEAST_EVENT_OCTETS each: past that it is over max_bytes anyway, and each
    aggregate reads a bounded index range rather than the whole window."""
    description = func.length(func.trim(func.coalesce(Event.description, "")))
    texts = (
        func.length(func.trim(Event.title))
        + func.length(func.trim(func.coalesce(Event.summary, "")))
        + case((description > max_description, max_description), else_=description)
    ).label("texts")
    least = 0
    for part in _window_parts(scope, window):
        sizes = part.with_only_columns(texts)
        if max_bytes is not None:
            sizes = sizes.limit(max_bytes // _LEAST_EVENT_OCTETS + 1)
        sizes = sizes.subquery()
        count, characters = db.session.execute(
            select(func.count(), func.coalesce(func.sum(sizes.c.texts), 0))
        ).one()
        least += int(count) * _LEAST_EVENT_OCTETS + int(characters)
        if max_bytes is not None and least > max_bytes:
            break
    return least


def _last_modified(etag: str, now: datetime, previous: FeedMeta | None) -> datetime:
    """When the feed's bytes last changed, in whole seconds (as HTTP dates carry them).

    Unchanged bytes keep the previous value. Changed bytes, a removal included, get the build
    time, and always more than the previous value: a client holding the previous bytes then
    never gets a 304 from If-Modified-Since. With nothing known before (a first build, a cache
    emptied), the build time is the only value no earlier copy can have been stamped with."""
    now = now.replace(microsecond=0)
    if previous is None:
        return now
    if previous.etag == etag:
        return previous.last_modified
    return max(now, previous.last_modified + timedelta(seconds=1))


# What a feed reads of each event: plain rows, never ORM entities (a feed reads thousands).
_FEED_COLUMNS = (
    Event.id,
    Event.title,
    Event.start_dt,
    Event.end_dt,
    Event.timezone,
    Event.updated_dt,
    Event.created_dt,
    Event.sequence,
    Event.is_all_day,
    Event.start_date,
    Event.end_date,
    Event.summary,
    Event.venue,
    Event.city,
    Event.country,
    Event.latitude,
    Event.longitude,
    Event.online_url,
    Event.registration_url,
    Event.kind,
    Event.status,
    Event.cancel_reason,
    Event.cancelled_dt,
)


def _window_parts(scope: FeedScope, window: Window) -> tuple[Select, Select]:
    """The window's events in start order, as two queries that each read an index range: the
    long-running events that started more than LONG_EVENT_DAYS before the window's first
    moment (ix_events_long_running; they come first in start order), then the events that
    started since (ix_events_start_id, from a month before the window rather than from the
    first event ever)."""
    reach = window.ended_after - timedelta(days=LONG_EVENT_DAYS)
    query = scoped(select(Event.id), scope).where(window.clause())
    order = (Event.start_dt, Event.id)
    return (
        query.where(Event.start_dt < reach, long_running_clause()).order_by(*order),
        query.where(Event.start_dt >= reach).order_by(*order),
    )


def _window_events(
    scope: FeedScope, window: Window, descriptions: bool = True, language: str | None = None
) -> Iterator[tuple[Row | Event, tuple[str, ...]]]:
    """The window's events in start order with their themes' names, read a batch at a time
    (keyset: start, id). Without `descriptions` (they cannot fit under the cap, so they are
    never written) the description column is not read. A feed in a `language` shows
    translations: each batch then comes as Events, with their translations and themes'."""
    description = Event.description if descriptions else literal(None).label("description")
    for part in _window_parts(scope, window):
        query = part.with_only_columns(*_FEED_COLUMNS, description)
        after: tuple[datetime, int] | None = None
        while True:
            page = query
            if after is not None:
                start, event_id = after
                page = page.where(
                    or_(Event.start_dt > start, and_(Event.start_dt == start, Event.id > event_id))
                )
            rows = db.session.execute(page.limit(BATCH)).all()
            if language is None:
                themes = _theme_names([row.id for row in rows])
                for row in rows:
                    yield row, themes.get(row.id, ())
            else:
                for event in _translated_events([row.id for row in rows]):
                    yield event, ()
            if len(rows) < BATCH:
                break
            after = (rows[-1].start_dt, rows[-1].id)


def _translated_events(event_ids: list[int]) -> list[Event]:
    """These events, in this order, with their translations and their themes' (selectin)."""
    if not event_ids:
        return []
    found = db.session.scalars(
        select(Event).where(Event.id.in_(event_ids)).options(selectinload(Event.themes))
    ).all()
    by_id = {event.id: event for event in found}
    return [by_id[event_id] for event_id in event_ids if event_id in by_id]


def _theme_names(event_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """Each event's themes' names, in name order (as Event.themes lists them)."""
    if not event_ids:
        return {}
    names: dict[int, list[str]] = {}
    query = (
        select(event_themes.c.event_id, Theme.name)
        .join(Theme, Theme.id == event_themes.c.theme_id)
        .where(event_themes.c.event_id.in_(event_ids))
        .order_by(event_themes.c.event_id, Theme.name)
    )
    for event_id, name in db.session.execute(query):
        names.setdefault(event_id, []).append(name)
    return {event_id: tuple(found) for event_id, found in names.items()}


def _next_boundary(scope: FeedScope, window: Window, events, complete: bool) -> datetime:
    """When the shown set next changes with time alone."""
    config = current_app.config
    past_grace = timedelta(days=config["FEED_PAST_GRACE_DAYS"])
    ahead = timedelta(days=config["FEED_DAYS_AHEAD"])
    cancelled_grace = timedelta(days=config["FEED_CANCELLED_GRACE_DAYS"])
    upcoming: list[datetime] = []
    for event in events:
        upcoming.append(event.end_dt + past_grace)  # leaves the past grace period
        if event.status == Status.CANCELLED:
            upcoming.append(event.cancelled_dt + cancelled_grace)
    if complete:
        # The next event to enter the window (a feed cut short would not show it anyway).
        next_entry = db.session.scalar(
            scoped(select(func.min(Event.start_dt)), scope).where(
                Event.start_dt >= window.starts_before,
                or_(Event.status != Status.CANCELLED, cancelled_at() > window.cancelled_after),
            )
        )
        if next_entry is not None:
            upcoming.append(_as_utc(next_entry) - ahead)
    future = [_as_utc(moment) for moment in upcoming if _as_utc(moment) > window.now]
    return min(future) if future else _FAR_FUTURE
