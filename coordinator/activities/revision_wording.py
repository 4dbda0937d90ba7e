"""Human wording of event fields, for revision diffs and history."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from coordinator.activities.models import EventKind, Project, Theme
from coordinator.extensions import db
from coordinator.partners.models import Partner

FIELD_LABELS = {
    "title": "Title",
    "summary": "Summary",
    "description": "Description",
    "kind": "Kind",
    "timezone": "Time zone",
    "start_dt": "Starts",
    "end_dt": "Ends",
    "is_all_day": "All day",
    "start_date": "First day",
    "end_date": "Last day",
    "venue": "Venue",
    "city": "City",
    "country": "Country",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "online_url": "Online link",
    "languages": "Languages",
    "registration_url": "Registration link",
    "visibility": "Visibility",
    "project_id": "Joint project",
    "theme_ids": "Themes",
    "partner_ids": "Co-organising partners",
}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


def describe_value(name: str, value, event) -> str:
    """A JSON value of a revision as a person reads it (times in the event's own zone)."""
    if value is None or value == "" or value == []:
        return "—"
    if name in ("start_dt", "end_dt"):
        moment = datetime.fromisoformat(value).astimezone(ZoneInfo(event.timezone))
        return moment.strftime("%a %d %b %Y, %H:%M %Z") + f" ({event.timezone})"
    if name in ("start_date", "end_date"):
        return date.fromisoformat(value).strftime("%a %d %b %Y")
    if name == "is_all_day":
        return "Yes" if value else "No"
    if name == "kind":
        return EventKind(value).label
    if name == "visibility":
        return "Public" if value == "public" else "Network members only"
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
