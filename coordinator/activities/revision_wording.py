"""Human wording of event fields, for revision diffs and history."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select

from coordinator import i18n
from coordinator.activities.models import EventKind, Project, Theme
from coordinator.activities.translations import translation_field_label
from coordinator.extensions import db
from coordinator.i18n import lazy_gettext as _l
from coordinator.multilingual import language_name
from coordinator.partners.models import Partner

FIELD_LABELS = {
    "title": _l("Title"),
    "summary": _l("Summary"),
    "description": _l("Description"),
    "kind": _l("Kind"),
    "timezone": _l("Time zone"),
    "start_dt": _l("Starts"),
    "end_dt": _l("Ends"),
    "is_all_day": _l("All day"),
    "start_date": _l("First day"),
    "end_date": _l("Last day"),
    "venue": _l("Venue"),
    "city": _l("City"),
    "country": _l("Country"),
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
    "online_url": _l("Online link"),
    "languages": _l("Languages"),
    "registration_url": _l("Registration link"),
    "visibility": _l("Visibility"),
    "project_id": _l("Joint project"),
    "theme_ids": _l("Themes"),
    "partner_ids": _l("Co-organising partners"),
    "language": _l("Language of the original"),
}


def field_label(name: str) -> str:
    """A field's name as people read it; "Title (French)" for a translation ("title@fr")."""
    translated = translation_field_label(name, field_label)
    if translated is not None:
        return translated
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name.replace("_", " ").capitalize()


def describe_value(name: str, value, event) -> str:
    """A JSON value of a revision as a person reads it (times in the event's own zone), in the
    page's language."""
    if value is None or value == "" or value == []:
        return "—"
    if name in ("start_dt", "end_dt"):
        moment = datetime.fromisoformat(value)
        # The zone's abbreviation (CEST) beside the clock time: reviewers compare like with like.
        zone = ZoneInfo(event.timezone)
        when = i18n.local_datetime(moment, event.timezone, "EEE d MMM y, HH:mm")
        abbreviation = moment.astimezone(zone).strftime("%Z")
        return f"{when} {abbreviation} ({i18n.zone_name(event.timezone)})"
    if name == "timezone":
        return i18n.zone_name(value)
    if name == "language":
        return language_name(value)
    if name in ("start_date", "end_date"):
        return i18n.localized_date(date.fromisoformat(value), "EEE d MMM y")
    if name == "is_all_day":
        return _("Yes") if value else _("No")
    if name == "country":
        return i18n.country_name(value)
    if name == "kind":
        return EventKind(value).label
    if name == "visibility":
        return _("Public") if value == "public" else _("Network members only")
    if name == "project_id":
        project = db.session.get(Project, value)
        return project.title if project else f"#{value}"
    if name == "theme_ids":
        return ", ".join(
            db.session.scalars(select(Theme.name).where(Theme.id.in_(value)).order_by(Theme.name))
        )
    if name == "partner_ids":
        return ", ".join(
            db.session.scalars(
                select(Partner.name).where(Partner.id.in_(value)).order_by(Partner.name)
            )
        )
    return str(value)
