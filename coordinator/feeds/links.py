"""Subscribe links for the feeds (webcal, Google, Outlook) used by the templates."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from flask_babel import gettext as _

from coordinator.activities.filters import EventFilters
from coordinator.multilingual import current_language
from coordinator.urls import absolute_url


@dataclass(frozen=True)
class SubscribeLinks:
    name: str
    https: str
    webcal: str
    google: str
    outlook: str


def subscribe_links(target=None, filters: EventFilters | None = None) -> SubscribeLinks:
    """Links for a partner, a project or (target None) the whole network with its filters.

    The name is in the page's language: it titles the panel and Outlook's copy of the calendar,
    both chosen by this reader; the feed URL asks for that language too (`lang=`), so the events
    come in the language the reader was reading them in."""
    from coordinator.activities.models import Project
    from coordinator.multilingual import localized_text
    from coordinator.partners.models import Partner

    args = filters.to_args(include_dates=False) if filters is not None else {}
    filtered = bool(args)
    args["lang"] = current_language()
    if isinstance(target, Partner):
        args.pop("partner", None)
        https = absolute_url("feeds.partner_calendar", slug=target.slug, **args)
        name = _("%(partner)s events", partner=target.short_name_in())
    elif isinstance(target, Project):
        args.pop("project", None)
        https = absolute_url("feeds.project_calendar", slug=target.slug, **args)
        name = _("%(project)s events", project=target.acronym or localized_text(target, "title"))
    else:
        https = absolute_url("feeds.network_calendar", **args)
        name = _("Network events (filtered)") if filtered else _("Network events")
    return links_for(https, name)


def with_language(url: str) -> str:
    """A feed URL asking for the page's language (`lang=`)."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode({'lang': current_language()})}"


def links_for(https: str, name: str) -> SubscribeLinks:
    webcal = "webcal://" + https.split("://", 1)[1]
    return SubscribeLinks(
        name=name,
        https=https,
        webcal=webcal,
        google="https://calendar.google.com/calendar/r?"
        + urlencode({"cid": webcal}, quote_via=quote),
        outlook="https://outlook.live.com/calendar/0/addfromweb?"
        + urlencode({"url": https, "name": name}, quote_via=quote),
    )
