"""Feeds: which events a feed shows, building and caching its bytes, and private feed tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from flask import current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.orm import selectinload
from werkzeug.routing import BuildError

from coordinator import metrics
from coordinator.activities.filters import EventFilters
from coordinator.activities.models import Event, Project, Status, Theme, event_themes
from coordinator.activities.permissions import can_view_published_event, published_events_clause
from coordinator.db import utcnow
from coordinator.errors import DomainError, PermissionDenied
from coordinator.extensions import db
from coordinator.feeds.atom import AtomEntry
from coordinator.feeds.ical import CalendarMeta, FeedEvent, build_calendar, event_size
from coordinator.feeds.models import FeedToken, hash_token
from coordinator.partners.models import Partner
from coordinator.text import render_markdown
from coordinator.urls import absolute_url

DEFAULTS = {
    # The window a feed shows: upcoming events up to this many days ahead...
    "FEED_DAYS_AHEAD": 400,
    # ...plus events that ended at most this many days ago (clients keep what they saw).
    "FEED_PAST_GRACE_DAYS": 14,
    # Cancelled events stay (STATUS:CANCELLED) this long after cancellation, so clients drop them.
    "FEED_CANCELLED_GRACE_DAYS": 30,
    "FEED_REFRESH_MINUTES": 360,  # REFRESH-INTERVAL and X-PUBLISHED-TTL
    "FEED_MAX_DESCRIPTION": 2000,  # characters of an event's description in a feed
    # Google Calendar drops feeds over about 1 MB: past this, descriptions are shortened, then
    # the farthest events are left out.
    "FEED_MAX_BYTES": 900_000,
    "FEED_CACHE_ENTRIES": 256,
    # Under load, compare a cached feed's version with the database at most this often (seconds;
    # 0 = on every request). Subscribers refresh every few hours: a second of delay costs nothing.
    "FEED_RECHECK_SECONDS": 1,  # built feeds kept in memory per process
    "FEED_MAX_TOKENS_PER_USER": 10,
}

_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)
_TOUCH_EVERY = timedelta(hours=1)


def init_config(app) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)


@contextmanager
def feed_language() -> Iterator[None]:
    """Feed bytes are cached and shared by every subscriber, so they never follow the language
    of the request that happened to build them: anything translatable inside (event kinds in
    CATEGORIES, say) is written in the network's default language."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        yield


# --- scopes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedScope:
    """One feed: the events it may show (before the time window) and how it is titled."""

    identity: tuple
    filters: EventFilters
    name: str
    description: str
    viewer: object | None = None  # None: what anyone may see; a user: what they may see

    @property
    def clause(self) -> ColumnElement[bool]:
        # Built on use: a feed served from the cache never pays for the expression.
        return published_events_clause(self.viewer)


def _filters_key(filters: EventFilters) -> tuple:
    return tuple(
        sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in filters.to_args().items())
    )


def network_scope(filters: EventFilters) -> FeedScope:
    site = current_app.config["SITE_NAME"]
    name = f"{site}: network events"
    if not filters.is_empty():
        name += " (filtered)"
    return FeedScope(
        identity=("network", _filters_key(filters)),
        filters=filters,
        name=name,
        description="Upcoming public events of MedCities and its partner institutions.",
    )


def partner_scope(partner: Partner, filters: EventFilters) -> FeedScope:
    filters = _narrowed(filters, partners=[partner.slug])
    return FeedScope(
        identity=("partner", partner.id, _filters_key(filters)),
        filters=filters,
        name=f"{partner.acronym or partner.name}: events",
        description=f"Upcoming public events organised or co-organised by {partner.name}.",
    )


def project_scope(project: Project, filters: EventFilters) -> FeedScope:
    filters = _narrowed(filters, projects=[project.slug])
    return FeedScope(
        identity=("project", project.id, _filters_key(filters)),
        filters=filters,
        name=f"{project.acronym or project.title}: events",
        description=f"Upcoming public events of the project {project.title}.",
    )


def private_scope(token: FeedToken) -> FeedScope:
    """Public and network-only events the token's owner may see, checked at every fetch."""
    owner = token.owner
    site = current_app.config["SITE_NAME"]
    return FeedScope(
        identity=("private", token.id, owner.id),
        viewer=owner,
        filters=EventFilters(),
        name=f"{site}: {token.name}",
        description="Your private feed of public and network-only events.",
    )


def _narrowed(filters: EventFilters, **fixed: list[str]) -> EventFilters:
    values = {**filters.__dict__, **fixed}
    return EventFilters(**values)


# --- the time window ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    now: datetime
    ended_after: datetime  # events that ended before this have left the feed
    starts_before: datetime  # events starting after this have not entered it yet
    cancelled_after: datetime  # cancelled before this: gone from the feed

    @classmethod
    def at(cls, now: datetime) -> Window:
        config = current_app.config
        return cls(
            now=now,
            ended_after=now - timedelta(days=config["FEED_PAST_GRACE_DAYS"]),
            starts_before=now + timedelta(days=config["FEED_DAYS_AHEAD"]),
            cancelled_after=now - timedelta(days=config["FEED_CANCELLED_GRACE_DAYS"]),
        )

    def clause(self) -> ColumnElement[bool]:
        return and_(
            Event.end_dt > self.ended_after,
            Event.start_dt < self.starts_before,
            or_(Event.status != Status.CANCELLED, _cancelled_at() > self.cancelled_after),
        )


def _cancelled_at():
    # A CHECK constraint guarantees the stamp on every cancelled event.
    return Event.cancelled_dt


def scoped(query: Select, scope: FeedScope) -> Select:
    return scope.filters.apply(query.where(scope.clause))


# --- building -----------------------------------------------------------------------------------


def event_url(event_id: int) -> str:
    """The event page; falls back to its path while the activities pages are not there."""
    try:
        return absolute_url("activities.event", event_id=event_id)
    except BuildError:
        return absolute_url("main.index") + f"events/{event_id}"


_PLACEHOLDER_ID = 918273645


def event_url_maker():
    """event_url() for many events at once: one url_for, then the id put in its place."""
    pattern = event_url(_PLACEHOLDER_ID)
    head, _, tail = pattern.rpartition(str(_PLACEHOLDER_ID))
    return lambda event_id: f"{head}{event_id}{tail}"


def uid_for(event_id: int) -> str:
    return f"{event_id}@{current_app.config['CALENDAR_UID_HOST']}"


def location_of(event: Event) -> str:
    parts = [
        part.strip() for part in (event.venue, event.city, event.country) if part and part.strip()
    ]
    if parts:
        return ", ".join(parts) + (" (and online)" if event.online_url else "")
    return "Online" if event.online_url else ""


def to_feed_event(event: Event, url_of=None) -> FeedEvent:
    return FeedEvent(
        uid=uid_for(event.id),
        title=event.title,
        start_dt=event.start_dt,
        end_dt=event.end_dt,
        timezone=event.timezone,
        updated_dt=event.updated_dt,
        created_dt=event.created_dt,
        sequence=event.sequence or 0,
        is_all_day=event.is_all_day,
        start_date=event.start_date,
        end_date=event.end_date,
        summary=event.summary or "",
        description=event.description or "",
        location=location_of(event),
        latitude=event.latitude,
        longitude=event.longitude,
        url=(url_of or event_url)(event.id),
        online_url=event.online_url or "",
        registration_url=event.registration_url or "",
        categories=tuple(theme.name for theme in event.themes) + (str(event.kind.label),),
        is_cancelled=event.status == Status.CANCELLED,
        cancel_reason=event.cancel_reason or "",
    )


def calendar_meta(name: str, description: str) -> CalendarMeta:
    config = current_app.config
    return CalendarMeta(
        name=name,
        description=description,
        refresh_interval=timedelta(minutes=config["FEED_REFRESH_MINUTES"]),
        max_description=config["FEED_MAX_DESCRIPTION"],
    )


def event_calendar(event: Event) -> bytes:
    """The one-event calendar behind "Add to calendar"."""
    meta = calendar_meta(event.title, "")
    with feed_language():
        return build_calendar(meta, [to_feed_event(event)])


def fit_calendar(meta: CalendarMeta, events: list[FeedEvent], max_bytes: int) -> bytes:
    """The calendar, kept under max_bytes: first without description bodies (summary and links
    stay), then without the farthest events (they come back as the window moves on)."""
    body = build_calendar(meta, events)
    if len(body) <= max_bytes:
        return body
    meta = replace(meta, max_description=0)
    body = build_calendar(meta, events)
    if len(body) <= max_bytes:
        return body
    # Everything but the events (header, every VTIMEZONE) is an upper bound for any prefix of
    # the events: keep the longest prefix that fits next to it, in one more build.
    sizes = [event_size(event, meta) for event in events]
    budget = max_bytes - (len(body) - sum(sizes))
    kept = 0
    for size in sizes:
        if size > budget:
            break
        budget -= size
        kept += 1
    return build_calendar(meta, events[:kept])


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
    last_modified = max(d for d in (version[2], last_boundary, _EPOCH) if d is not None)
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


_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


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
                func.max(_cancelled_at()).filter(
                    Event.status == Status.CANCELLED, _cancelled_at() <= window.cancelled_after
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


# --- private feed tokens ------------------------------------------------------------------------


def new_token() -> str:
    return secrets.token_urlsafe(32)


def find_active_token(raw: str) -> FeedToken | None:
    """The live token for a URL, or None (unknown, revoked, malformed, owner disabled)."""
    if not raw or not _TOKEN_SHAPE.match(raw):
        return None
    token = db.session.scalar(select(FeedToken).where(FeedToken.token_hash == hash_token(raw)))
    if token is None or token.is_revoked or not token.owner.is_active:
        return None
    return token


def record_token_use(token: FeedToken, now: datetime | None = None) -> bool:
    """Stamp last use, at most hourly so feed fetches rarely write. True if it changed."""
    now = now or utcnow()
    if token.last_used_dt is not None and now - token.last_used_dt < _TOUCH_EVERY:
        return False
    token.last_used_dt = now
    db.session.flush()
    return True


def user_tokens(user) -> list[FeedToken]:
    return list(
        db.session.scalars(
            select(FeedToken)
            .where(FeedToken.owner_id == user.id, FeedToken.revoked_dt.is_(None))
            .order_by(FeedToken.created_dt, FeedToken.id)
        )
    )


def create_feed_token(user, name: str) -> tuple[FeedToken, str]:
    """A new private feed for the user; returns the row and the token (shown once)."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Give the feed a name."), field="name")
    if len(name) > 100:
        raise DomainError(_("Keep the name under 100 characters."), field="name")
    if len(user_tokens(user)) >= current_app.config["FEED_MAX_TOKENS_PER_USER"]:
        raise DomainError(
            _("You have reached the number of private feeds allowed; revoke one first."),
            field="name",
        )
    raw = new_token()
    token = FeedToken(owner_id=user.id, name=name, token_hash=hash_token(raw))
    db.session.add(token)
    db.session.flush()
    return token, raw


def owned_token(user, token_id: int) -> FeedToken | None:
    token = db.session.get(FeedToken, token_id)
    if token is None or token.owner_id != user.id or token.is_revoked:
        return None
    return token


def rotate_feed_token(user, token: FeedToken) -> str:
    """Replace the token (the old URL stops working at once); returns the new one."""
    if token.owner_id != user.id:
        raise PermissionDenied(_("Not your feed."))
    raw = new_token()
    token.token_hash = hash_token(raw)
    token.rotated_dt = utcnow()
    token.last_used_dt = None
    db.session.flush()
    return raw


def revoke_feed_token(user, token: FeedToken) -> None:
    if token.owner_id != user.id:
        raise PermissionDenied(_("Not your feed."))
    token.revoked_dt = utcnow()
    db.session.flush()


def revoke_all_feed_tokens(user) -> int:
    """Revoke every live private feed of the user (on deactivation); returns how many."""
    result = db.session.execute(
        update(FeedToken)
        .where(FeedToken.owner_id == user.id, FeedToken.revoked_dt.is_(None))
        .values(revoked_dt=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def private_feed_url(raw: str) -> str:
    return absolute_url("feeds.private_calendar", token=raw)


# --- single events and Atom ---------------------------------------------------------------------

EPOCH = _EPOCH


def is_public_event(event: Event) -> bool:
    return can_view_published_event(None, event)


def atom_entry(event: Event) -> AtomEntry:
    published = event.published_dt  # set on every published event (a CHECK constraint)
    title = event.title if not event.is_cancelled else f"Cancelled: {event.title}"
    return AtomEntry(
        id=f"tag:{current_app.config['CALENDAR_UID_HOST']},{published:%Y-%m-%d}:event-{event.id}",
        title=title,
        url=event_url(event.id),
        published_dt=published,
        updated_dt=max(event.updated_dt, published),
        summary=event.summary or "",
        content_html=render_markdown(event.description or ""),
        author=event.lead_partner.name,
        categories=tuple(theme.name for theme in event.themes) + (str(event.kind.label),),
    )
