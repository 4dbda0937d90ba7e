"""The HTML of an event's card in a list: `{{ event_card(event, level) }}` in any template.

Written in Python rather than as a Jinja macro because lists show twenty cards and a card is
most of a list's rendering: the macro's forty escapes, its twenty calls through the template
context and its captured blocks cost a third of a cold events list (bench/checkouts.py). Here
each value is escaped once, each text localized once, and the page's catalogue, app and
language looked up once per card. The card reads what activities.cards.EventCard holds, so a
mapped Event renders the same (tests/activities/test_card_html.py).
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from markupsafe import Markup, escape

from coordinator.activities.display import event_iso_start, event_when, link_html, partner_links
from coordinator.i18n import country_name
from coordinator.i18n import markup_gettext as _
from coordinator.multilingual import (
    LocalizedText,
    current_language,
    localized,
    localized_html,
    translation_marker,
)


def event_card(event: Any, level: int = 2, hide_project: bool = False) -> Markup:
    """The card of `event` (an EventCard or an Event), its title a heading of `level`; without
    its project's name on the project's own page (`hide_project`)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    language = current_language()
    level = int(level)
    cancelled = event.is_cancelled
    title = localized(event, "title", language)
    border = " border-danger" if cancelled else ""
    html = [
        f'<article class="card mb-3 event-card{border}" aria-labelledby="event-{event.id}-title">'
        f'\n<div class="card-body">\n<h{level} class="h5 card-title" id="event-{event.id}-title">'
        f"\n{event_title_link(event, title)}\n"
    ]
    if cancelled:
        html.append(f'<span class="badge text-bg-danger">{_("Cancelled")}</span>')
    if event.visibility == "network":
        html.append(f'<span class="badge text-bg-secondary">{_("Network members only")}</span>')
    html.append(
        f"\n</h{level}>\n"
        f'<p class="mb-1"><time datetime="{escape(event_iso_start(event))}">'
        f"{escape(event_when(event))}</time></p>\n"
        f'<p class="mb-1 text-body-secondary">\n{escape(event.kind.label)}'
    )
    if event.city or event.country:
        html.append(" · ")
        if event.city:
            html.append(f"<bdi>{escape(event.city)}</bdi>")
        if event.city and event.country:
            html.append(", ")
        if event.country:
            html.append(escape(country_name(event.country)))
    if event.is_online:
        html.append(f" · {_('Online')}")
    html.append("\n</p>\n")
    summary = localized(event, "summary", language)
    if summary:
        html.append(f'<p class="mb-1" dir="auto">{localized_html(summary)}</p>\n')
    html.append(f'<p class="mb-1 small">\n{_organisers(app, event, language)}')
    project = event.project
    if project is not None and project.is_published and not hide_project:
        link = link_html(
            app.url_for("activities.project", slug=project.slug),
            project.acronym or localized_html(localized(project, "title", language), marker=False),
        )
        html.append(f" · {_('Project: %(project)s', project=link)}")
    html.append("\n</p>\n")
    if event.themes:
        html.append(f'<ul class="list-inline mb-0" aria-label="{_("Themes")}">\n')
        for theme in event.themes:
            name = localized_html(localized(theme, "name", language))
            html.append(
                '<li class="list-inline-item"><span class="badge text-bg-light border"'
                f' dir="auto">{name}</span></li>\n'
            )
        html.append("</ul>\n")
    html.append("</div>\n</article>")
    # Every value above went through escape() or is markup already.
    return Markup("".join(html))


def event_title_link(event: Any, title: LocalizedText) -> Markup:
    """The event's `title` (localized) linking to its page, struck through when it is cancelled,
    then the translation marker: a card's heading and a calendar entry both start with it."""
    href = escape(current_app.url_for("activities.event", event_id=event.id))
    title_class = ' class="cancelled-title"' if event.is_cancelled else ""
    return Markup(
        f'<a href="{href}" dir="auto"{title_class}>{localized_html(title, marker=False)}</a>'
        f"{translation_marker(title)}"
    )


def _organisers(app: Any, event: Any, language: str) -> Markup:
    """ "Organised by LEAD", or "... with PARTNERS": the partners' names link to their pages."""
    lead_partner = event.lead_partner
    lead = link_html(
        app.url_for("partners.show", slug=lead_partner.slug),
        lead_partner.acronym
        or localized_html(localized(lead_partner, "name", language), marker=False),
    )
    co_organisers = event.confirmed_partners
    if co_organisers:
        return _(
            "Organised by %(lead)s with %(partners)s",
            lead=lead,
            partners=partner_links(co_organisers),
        )
    return _("Organised by %(lead)s", lead=lead)
