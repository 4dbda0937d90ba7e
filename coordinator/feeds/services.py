"""Feeds: building a calendar's bytes from events, single events and Atom entries.

Which events a feed shows is in scopes.py, the built feeds' cache in cache.py and private
feed tokens in tokens.py."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from coordinator.activities.models import Event, EventKind, Status
from coordinator.activities.permissions import can_view_published_event
from coordinator.feeds.atom import AtomEntry
from coordinator.feeds.ical import CalendarMeta, FeedEvent, build_calendar, fit_events
from coordinator.text import markdown_to_text, render_markdown
from coordinator.urls import absolute_url


@contextmanager
def feed_language() -> Iterator[None]:
    """Feed bytes are cached and shared by every subscriber, so they never follow the language
    of the request that happened to build them: anything translatable inside (event kinds in
    CATEGORIES, say) is written in the network's default language."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        yield


# --- building -----------------------------------------------------------------------------------


def event_url(event_id: int) -> str:
    """The event page."""
    return absolute_url("activities.event", event_id=event_id)


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


def kind_labels() -> dict[EventKind, str]:
    """Each kind's label in the current language: translated once per build, not per event."""
    return {kind: str(kind.label) for kind in EventKind}


def to_feed_event(
    event: Event,
    url_of=None,
    labels: dict[EventKind, str] | None = None,
    themes: Sequence[str] | None = None,
) -> FeedEvent:
    """What a feed shows of an event: an Event, or a row with the same columns (then its
    themes' names come as `themes`)."""
    if themes is None:
        themes = [theme.name for theme in event.themes]
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
        description=markdown_to_text(event.description),
        location=location_of(event),
        latitude=event.latitude,
        longitude=event.longitude,
        url=(url_of or event_url)(event.id),
        online_url=event.online_url or "",
        registration_url=event.registration_url or "",
        categories=(*themes, (labels or kind_labels())[event.kind]),
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


def fit_calendar(meta: CalendarMeta, events: Iterable[FeedEvent], max_bytes: int) -> bytes:
    """The calendar, kept under max_bytes: first without description bodies (summary and links
    stay), then without the farthest days (they come back as the window moves on). Feeds are
    written by fit_events() with reach_notice(), which says how far a feed cut short reaches."""
    return fit_events(meta, events, max_bytes).body


def reach_notice(until: date) -> str:
    """What a feed cut short by its size cap says of its reach (in the feed's language)."""
    return _(
        "Events until %(date)s; subscribe to a narrower feed for more.",
        date=format_date(until, "long"),
    )


# --- single events and Atom ---------------------------------------------------------------------


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
