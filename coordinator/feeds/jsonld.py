"""schema.org Event JSON-LD for event pages (a data block: CSP allows it, no script runs)."""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from coordinator.activities.models import Event
from coordinator.feeds.ical import clean_text, clean_uri
from coordinator.feeds.services import event_url, localized_together, location_of
from coordinator.i18n import zone_info
from coordinator.multilingual import current_language, localized


def _local_iso(event: Event, moment) -> str:
    try:
        zone = zone_info(event.timezone)
    except Exception:  # an unknown zone name must not break the page
        return moment.isoformat()
    return moment.astimezone(zone).isoformat()


def event_jsonld(event: Event, language: str | None = None) -> dict[str, Any]:
    """The event for search engines, in the page's language (`language`, default the current
    one) where translated. Name and description are shown together in one language (an Event
    has one inLanguage), the original's when the translation lacks either."""
    texts, text_language = localized_together(
        event, ("title", "summary"), language or current_language()
    )
    online = clean_uri(event.online_url)
    has_place = bool(event.venue or event.city)
    if online and has_place:
        mode = "https://schema.org/MixedEventAttendanceMode"
    elif online:
        mode = "https://schema.org/OnlineEventAttendanceMode"
    else:
        mode = "https://schema.org/OfflineEventAttendanceMode"
    locations: list[dict[str, Any]] = []
    if has_place:
        place: dict[str, Any] = {
            "@type": "Place",
            "name": clean_text(event.venue or event.city, single_line=True),
            "address": {
                "@type": "PostalAddress",
                "addressLocality": clean_text(event.city, single_line=True),
                "addressCountry": event.country,
            },
        }
        if event.latitude is not None and event.longitude is not None:
            place["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": event.latitude,
                "longitude": event.longitude,
            }
        locations.append(place)
    if online:
        locations.append({"@type": "VirtualLocation", "url": online})
    if event.is_all_day and event.start_date and event.end_date:
        start, end = event.start_date.isoformat(), event.end_date.isoformat()
    else:
        start, end = _local_iso(event, event.start_dt), _local_iso(event, event.end_dt)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": clean_text(texts["title"], single_line=True),
        "description": clean_text(texts["summary"] or ""),
        "inLanguage": text_language,
        "startDate": start,
        "endDate": end,
        "eventStatus": "https://schema.org/EventCancelled"
        if event.is_cancelled
        else "https://schema.org/EventScheduled",
        "eventAttendanceMode": mode,
        "url": event_url(event.id),
        "organizer": {
            "@type": "Organization",
            "name": localized(event.lead_partner, "name", language).text,
            **({"url": event.lead_partner.website} if event.lead_partner.website else {}),
        },
    }
    if locations:
        data["location"] = locations[0] if len(locations) == 1 else locations
    if location_of(event) and not locations:
        data["location"] = {"@type": "Place", "name": location_of(event)}
    return data


def jsonld_script(event: Event) -> Markup:
    """The <script type="application/ld+json"> block; <, > and & are \\u-escaped so no text
    can close the element or open a comment."""
    payload = json.dumps(event_jsonld(event), ensure_ascii=False, sort_keys=True)
    payload = (
        payload.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return Markup(f'<script type="application/ld+json">{payload}</script>')
