"""Feeds: building a calendar's bytes from events, single events and Atom entries.

Which events a feed shows is in scopes.py, the built feeds' cache in cache.py and private
feed tokens in tokens.py."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from flask import abort, current_app, request
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from coordinator.activities.models import Event, EventKind, Status
from coordinator.activities.permissions import can_view_published_event
from coordinator.feeds.atom import AtomEntry
from coordinator.feeds.ical import (
    ENGLISH_LABELS,
    CalendarMeta,
    FeedEvent,
    FeedLabels,
    build_calendar,
    fit_events,
)
from coordinator.multilingual import localized
from coordinator.text import markdown_to_text, render_markdown
from coordinator.urls import absolute_url


@contextmanager
def feed_language(language: str | None = None) -> Iterator[None]:
    """Feed bytes are cached and shared by every subscriber, so they never follow the language
    of the request that happened to build them: anything translatable inside (event kinds in
    CATEGORIES, say) is written in the language the feed's URL asks for (`?lang=`), else in the
    network's default language."""
    with force_locale(language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        yield


# --- the language a feed is written in ----------------------------------------------------------


def requested_language() -> str | None:
    """The feed language `?lang=` asks for; None without one (the feed shows each text in its
    original language). A language the site does not offer is refused (400, with the reason)
    rather than ignored: a subscriber would otherwise keep a calendar in a language they did
    not ask for without ever being told."""
    value = request.args.get("lang", "").strip()
    if not value:
        return None
    offered = current_app.config["LANGUAGES"]
    if value not in offered:
        abort(
            400,
            description=_(
                "The language “%(language)s” is not offered; lang takes one of: %(languages)s.",
                language=value[:20],
                languages=", ".join(offered),
            ),
        )
    return value


def feed_labels(language: str | None) -> FeedLabels:
    """The words a feed writes around event texts, in `language`. A feed without `lang` keeps
    the English defaults, so its bytes never depend on a catalogue."""
    if language is None:
        return ENGLISH_LABELS
    with force_locale(language):
        return FeedLabels(
            cancelled_notice=_("This event has been cancelled."),
            cancelled_title=_("Cancelled: %(title)s"),
            untitled=_("Untitled event"),
            join_online=_("Join online"),
            register=_("Register"),
            details=_("Details"),
        )


def labels_by_language() -> Callable[[str | None], FeedLabels]:
    """feed_labels() for one build: each language's words translated once."""
    known: dict[str | None, FeedLabels] = {}

    def words(language: str | None) -> FeedLabels:
        if language not in known:
            known[language] = feed_labels(language)
        return known[language]

    return words


def localized_together(owner, fields: tuple[str, ...], language: str) -> tuple[dict[str, str], str]:
    """`fields` of `owner` all in `language` when its translation has every one of them the
    original has text in, else all the original's; and the language they are in. For outputs
    that join several fields into one text (an iCalendar DESCRIPTION, a JSON-LD Event with one
    inLanguage): one text never mixes languages."""
    row = owner.translation(language) if language != owner.language else None
    if row is not None:
        needed = [name for name in fields if getattr(owner, name)]
        has_text = any(row.text_of(name) for name in fields)
        if has_text and all(row.text_of(name) for name in needed):
            return {name: row.text_of(name) for name in fields}, language
    return {name: getattr(owner, name) or "" for name in fields}, owner.language


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


def location_of(
    event: Event, online: str = "Online", and_online: str = "%(place)s (and online)"
) -> str:
    """Where the event happens; `online` and `and_online` are the words for online events (in
    English by default: feeds without `lang` never depend on a catalogue)."""
    parts = [
        part.strip() for part in (event.venue, event.city, event.country) if part and part.strip()
    ]
    if parts:
        place = ", ".join(parts)
        return and_online % {"place": place} if event.online_url else place
    return online if event.online_url else ""


def kind_labels() -> dict[EventKind, str]:
    """Each kind's label in the current language: translated once per build, not per event."""
    return {kind: str(kind.label) for kind in EventKind}


def to_feed_event(
    event: Event,
    url_of=None,
    labels: dict[EventKind, str] | None = None,
    language: str | None = None,
    words: Callable[[str | None], FeedLabels] | None = None,
    themes: Sequence[str] | None = None,
) -> FeedEvent:
    """The event as a feed shows it: originals without `language`; else each text in that
    language where translated, each marked with the language it is in, and the words around it
    in that same language. Kind labels (in feed_language(language)) and `words`
    (labels_by_language()) come from the caller, translated once per build.

    Without `language`, `event` may be a row with an Event's columns (the feed build reads
    rows), its themes' names then given as `themes`; with one, it is an Event (translations)."""
    if language is not None:
        return _localized_feed_event(
            event, url_of, labels or kind_labels(), language, words or labels_by_language()
        )
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


def _localized_feed_event(
    event: Event,
    url_of,
    labels: dict[EventKind, str],
    language: str,
    words: Callable[[str | None], FeedLabels],
) -> FeedEvent:
    title = localized(event, "title", language)
    texts, text_language = localized_together(event, ("summary", "description"), language)
    themes = [localized(theme, "name", language) for theme in event.themes]
    return FeedEvent(
        uid=uid_for(event.id),
        title=title.text,
        start_dt=event.start_dt,
        end_dt=event.end_dt,
        timezone=event.timezone,
        # A translation edited after the event is a change a client must pick up (DTSTAMP).
        updated_dt=shown_updated_dt(event, language),
        created_dt=event.created_dt,
        sequence=event.sequence or 0,
        is_all_day=event.is_all_day,
        start_date=event.start_date,
        end_date=event.end_date,
        summary=texts["summary"],
        description=markdown_to_text(texts["description"]),
        # In the feed's language (the build runs in feed_language(language)).
        location=location_of(event, _("Online"), _("%(place)s (and online)")),
        latitude=event.latitude,
        longitude=event.longitude,
        url=(url_of or event_url)(event.id),
        online_url=event.online_url or "",
        registration_url=event.registration_url or "",
        categories=tuple(theme.text for theme in themes) + (labels[event.kind],),
        is_cancelled=event.status == Status.CANCELLED,
        cancel_reason=event.cancel_reason or "",
        labels=words(text_language),
        title_labels=words(title.language),
        title_language=title.language,
        text_language=text_language,
        category_languages=tuple(theme.language for theme in themes) + (language,),
    )


def calendar_meta(name: str, description: str) -> CalendarMeta:
    config = current_app.config
    return CalendarMeta(
        name=name,
        description=description,
        refresh_interval=timedelta(minutes=config["FEED_REFRESH_MINUTES"]),
        max_description=config["FEED_MAX_DESCRIPTION"],
    )


def event_calendar(event: Event, language: str | None = None) -> bytes:
    """The one-event calendar behind "Add to calendar" (in `language` when given)."""
    with feed_language(language):
        title = localized(event, "title", language).text if language else event.title
        meta = calendar_meta(title, "")
        feed_event = to_feed_event(event, language=language)
        return build_calendar(meta, [feed_event])


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


def shown_updated_dt(event: Event, language: str | None) -> datetime:
    """When what an output in `language` shows of the event last changed: the event's row, or
    the translation it shows (edited without touching the row)."""
    row = event.translation(language) if language is not None else None
    return max(event.updated_dt, row.updated_dt) if row is not None else event.updated_dt


def atom_title(language: str | None) -> str:
    site = current_app.config["SITE_NAME"]
    if language is None:
        return f"{site}: newly published events"
    return _("%(site)s: newly published events", site=site)


def atom_entry(event: Event, language: str | None = None) -> AtomEntry:
    """The event as an Atom entry: originals without `language`, else each text in that language
    where translated; either way each text says its language (xml:lang). Call inside
    feed_language(language)."""
    published = event.published_dt  # set on every published event (a CHECK constraint)
    if language is None:
        title, title_language = event.title, event.language
        texts, text_language = (
            {"summary": event.summary, "description": event.description},
            (event.language),
        )
        author = event.lead_partner.name
        themes = [theme.name for theme in event.themes]
    else:
        shown = localized(event, "title", language)
        title, title_language = shown.text, shown.language
        texts, text_language = localized_together(event, ("summary", "description"), language)
        author = localized(event.lead_partner, "name", language).text
        themes = [localized(theme, "name", language).text for theme in event.themes]
    if event.is_cancelled:
        # In the title's own language: one text, one language.
        words = feed_labels(title_language if language is not None else None)
        title = words.cancelled_title % {"title": title}
    return AtomEntry(
        id=f"tag:{current_app.config['CALENDAR_UID_HOST']},{published:%Y-%m-%d}:event-{event.id}",
        title=title,
        url=event_url(event.id),
        published_dt=published,
        updated_dt=max(shown_updated_dt(event, language), published),
        summary=texts["summary"] or "",
        content_html=render_markdown(texts["description"] or ""),
        author=author,
        categories=tuple(themes) + (str(event.kind.label),),
        language=title_language,
        text_language=text_language,
    )
