"""API writes through the web form's own validation: the JSON body fills an EventForm, so a
DST gap, an end before the start or an unknown zone get the very errors the form shows."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from werkzeug.datastructures import MultiDict

from coordinator.activities.forms import EventForm
from coordinator.activities.models import Event
from coordinator.api.queries import event_form_choices

_TEXT = (
    "title",
    "summary",
    "description",
    "kind",
    "timezone",
    "venue",
    "city",
    "country",
    "online_url",
    "languages",
    "registration_url",
    "visibility",
    "language",
)


class InvalidProposal(Exception):
    """The form refused the input; `errors` are {field, message} pairs (422)."""

    def __init__(self, errors: list[dict[str, str]]):
        super().__init__("invalid proposal")
        self.errors = errors


def _formdata(values: dict[str, Any]) -> MultiDict:
    data: MultiDict = MultiDict()
    for name in _TEXT:
        if values.get(name) is not None:
            data.add(name, str(values[name]))
    for name in ("start_date", "end_date"):
        if isinstance(values.get(name), date):
            data.add(name, values[name].isoformat())
    for name in ("start_time", "end_time"):
        if isinstance(values.get(name), time):
            data.add(name, values[name].strftime("%H:%M"))
    if values.get("is_all_day"):
        data.add("is_all_day", "y")
    for name in ("latitude", "longitude"):
        if values.get(name) is not None:
            data.add(name, repr(float(values[name])))
    data.add("project_id", str(values.get("project_id") or 0))
    for language, texts in (values.get("translations") or {}).items():
        for name, text in texts.items():
            data.add(f"translations-{language}-{name}", str(text))
    for name in ("theme_ids", "partner_ids"):
        for ident in values.get(name) or []:
            data.add(name, str(ident))
    return data


def current_values(event: Event) -> dict[str, Any]:
    """The event as input values (what a PATCH starts from), read the way the edit form is."""
    themes, partners, projects = event_form_choices(event.lead_partner_id)
    form = EventForm(
        formdata=None,
        meta={"csrf": False},
        themes=themes,
        partners=partners,
        projects=projects,
        default_zone=event.timezone,
    )
    form.fill_from(event)
    values = {name: getattr(form, name).data for name in form._fields if name != "csrf_token"}
    values["project_id"] = values.get("project_id") or None
    return values


def validated_data(values: dict[str, Any], lead_partner_id: int, default_zone: str) -> dict:
    """The services' plain data from API input, validated by the event form; or
    InvalidProposal with the form's field errors."""
    themes, partners, projects = event_form_choices(lead_partner_id)
    form = EventForm(
        formdata=_formdata(values),
        meta={"csrf": False},
        themes=themes,
        partners=partners,
        projects=projects,
        default_zone=default_zone,
    )
    if not form.validate():
        errors = [
            {"field": name or "_form", "message": str(message)}
            for name, messages in form.errors.items()
            for message in messages
        ]
        raise InvalidProposal(errors)
    return form.to_data()
