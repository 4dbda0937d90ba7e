"""How events read on pages, in the page's language: when they happen in their own zone, places,
languages, date spans and lists."""

from __future__ import annotations

from datetime import date

from babel import Locale
from babel import dates as babel_dates
from babel.lists import format_list
from flask import current_app
from markupsafe import Markup, escape

from coordinator.activities.models import Event
from coordinator.i18n import _, format_day, format_span, page_locale


def _locale() -> Locale:
    return page_locale() or Locale.parse(current_app.config["BABEL_DEFAULT_LOCALE"])


def event_when(event: Event) -> str:
    """The event's time in its own zone, in the page's language, with the zone named; the
    same format as every other span (coordinator.i18n.format_span).

    Timed (English): "Wed, Apr 14, 2027, 10:00 AM–12:30 PM (Cairo Time, EET)".
    All-day: "Tue, May 18, 2027 (all day)" or "Mon, Jun 7, 2027 – Wed, Jun 9, 2027 (all day)".
    """
    if event.is_all_day and event.start_date is not None:
        last_day = event.end_date or event.start_date
        if last_day == event.start_date:
            return _("%(day)s (all day)", day=format_day(event.start_date))
        return _(
            "%(first_day)s – %(last_day)s (all day)",
            first_day=format_day(event.start_date),
            last_day=format_day(last_day),
        )
    return format_span(event.start_dt, event.end_dt, event.timezone)


def date_range(first: date, last: date) -> str:
    """Two dates as the locale writes a span ("Jan 1 – Dec 31, 2027", "1 janv. – 31 déc. 2027")."""
    return babel_dates.format_interval(first, last, "yMMMd", locale=_locale())


def list_text(items: list[str]) -> str:
    """Items joined as the page's language lists them ("A, B, and C", "A, B et C", "A وB وC")."""
    return format_list([str(item) for item in items], locale=_locale()) if items else ""


def link_html(href: str, text: str | Markup) -> Markup:
    """A link whose text keeps its own direction (dir="auto"), both escaped."""
    return Markup(f'<a href="{escape(href)}" dir="auto">{escape(text)}</a>')


def partner_links(partners) -> Markup:
    """Links to the partners' pages, listed as the page's language lists them."""
    url = current_app.url_for
    links = [
        link_html(url("partners.show", slug=partner.slug), partner.short_name_in())
        for partner in partners
    ]
    # Each link is escaped; format_list only adds the locale's separators.
    return Markup(format_list(links, locale=_locale())) if links else Markup("")


def event_iso_start(event: Event) -> str:
    """A machine-readable start for <time datetime>: the local date, or the UTC instant."""
    if event.is_all_day and event.start_date is not None:
        return event.start_date.isoformat()
    return event.start_dt.isoformat()


def country_name(code: str) -> str:
    """Name of an ISO 3166 country code in the page's language ("" if none given)."""
    from coordinator import i18n

    return i18n.country_name(code) if code else ""


def language_names(codes: str) -> list[str]:
    """Names, in the page's language, of the comma-separated language codes of an event."""
    names = []
    languages = _locale().languages
    for code in (c.strip() for c in (codes or "").split(",")):
        if code:
            names.append(languages.get(code.lower(), code))
    return names


def web_url(value: str | None) -> str:
    """The URL if it is an http(s) address, else "" (no javascript: or data: links)."""
    value = (value or "").strip()
    if value.lower().startswith(("https://", "http://")) and " " not in value:
        return value
    return ""
