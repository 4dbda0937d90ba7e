"""Models as the API's JSON (the shapes of api.schemas)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from coordinator.activities.models import Confirmation, Event, Project, Status
from coordinator.multilingual import localized
from coordinator.urls import absolute_url


def public_status(status: Status) -> str:
    """Approved is "published" to the outside world; every other state keeps its name."""
    return "published" if status == Status.APPROVED else status.value


def _instant(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _moment(moment: datetime, zone: str) -> dict[str, str]:
    local = moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    return {"utc": _instant(moment), "local": local.isoformat(), "timezone": zone}


def texts(owner, language: str | None) -> dict:
    """The owner's translatable fields, in `language` where translated (each field alone: they
    are separate values), else the originals; with the original's language, every translation
    and the language each field is shown in."""
    shown: dict = {}
    languages: dict[str, str] = {}
    for field in owner.TRANSLATABLE:
        if language is None:
            shown[field], languages[field] = getattr(owner, field), owner.language
        else:
            text = localized(owner, field, language)
            shown[field], languages[field] = text.text, text.language
    return {
        **shown,
        "language": owner.language,
        "translations": owner.translated_texts(),
        "field_languages": languages,
    }


def _name(owner, language: str | None) -> str:
    return owner.name if language is None else localized(owner, "name", language).text


def _partners(activity, language: str | None = None) -> list[dict[str, str]]:
    """The lead partner and the co-organisers who confirmed (whom the pages credit)."""
    lead = activity.lead_partner
    partners = [{"slug": lead.slug, "name": _name(lead, language), "role": "lead"}]
    partners += [
        {"slug": link.partner.slug, "name": _name(link.partner, language), "role": "co_organiser"}
        for link in activity.partner_links
        if link.confirmation == Confirmation.CONFIRMED
    ]
    return partners


def theme_data(theme, language: str | None = None) -> dict:
    return {"id": theme.id, "slug": theme.slug, **texts(theme, language)}


def event_data(event: Event, language: str | None = None) -> dict:
    return {
        "id": event.id,
        **texts(event, language),
        "kind": event.kind.value,
        "status": public_status(event.status),
        "visibility": event.visibility.value,
        "is_all_day": event.is_all_day,
        "start": _moment(event.start_dt, event.timezone),
        "end": _moment(event.end_dt, event.timezone),
        "start_date": event.start_date.isoformat() if event.start_date else None,
        "end_date": event.end_date.isoformat() if event.end_date else None,
        "timezone": event.timezone,
        "partners": _partners(event, language),
        "themes": [theme_data(t, language) for t in event.themes],
        "place": {
            "venue": event.venue,
            "city": event.city,
            "country": event.country,
            "latitude": event.latitude,
            "longitude": event.longitude,
        },
        "online_url": event.online_url,
        "registration_url": event.registration_url,
        "languages": [code.strip() for code in event.languages.split(",") if code.strip()],
        "project": {
            "slug": event.project.slug,
            "title": event.project.title
            if language is None
            else localized(event.project, "title", language).text,
        }
        if event.project is not None
        else None,
        "sequence": event.sequence,
        "cancelled": _instant(event.cancelled_dt),
        "cancel_reason": event.cancel_reason,
        "updated": _instant(event.updated_dt),
        "links": {
            "html": absolute_url("activities.event", event_id=event.id),
            "ics": absolute_url("feeds.event_ics", event_id=event.id)
            if event.is_published
            else None,
        },
    }


def partner_data(partner, language: str | None = None) -> dict:
    return {
        "id": partner.id,
        "slug": partner.slug,
        **texts(partner, language),
        "acronym": partner.acronym,
        "kind": partner.kind,
        "city": partner.city,
        "country": partner.country,
        "timezone": partner.timezone,
        "website": partner.website,
        "is_active": partner.is_active,
        "links": {
            "html": absolute_url("partners.show", slug=partner.slug),
            "ics": absolute_url("feeds.partner_calendar", slug=partner.slug),
        },
    }


def project_data(project: Project, language: str | None = None) -> dict:
    return {
        "id": project.id,
        "slug": project.slug,
        **texts(project, language),
        "acronym": project.acronym,
        "start_date": project.start_date.isoformat(),
        "end_date": project.end_date.isoformat(),
        "website": project.website,
        "status": public_status(project.status),
        "partners": _partners(project, language),
        "themes": [theme_data(t, language) for t in project.themes],
        "links": {"html": absolute_url("activities.project", slug=project.slug)},
    }


def activity_summary(activity, kind: str) -> dict:
    manage = "activities.manage_event" if kind == "event" else "activities.manage_project"
    key = "event_id" if kind == "event" else "project_id"
    return {
        "type": kind,
        "id": activity.id,
        "title": activity.title,
        "status": public_status(activity.status),
        "updated": _instant(activity.updated_dt),
        "links": {"manage": absolute_url(manage, **{key: activity.id})},
    }


def clashes_data(found) -> dict:
    clashes, hidden = found
    return {
        "items": [
            {
                "event_id": clash.event.id,
                "title": clash.event.title,
                "start": _instant(clash.event.start_dt),
                "reasons": [str(reason) for reason in clash.reasons],
            }
            for clash in clashes
            if clash.event is not None
        ],
        "hidden": hidden + sum(1 for clash in clashes if clash.event is None),
    }
