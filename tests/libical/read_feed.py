"""Reads an iCalendar feed on stdin with libical and prints every VEVENT's UTC instants as JSON.

libical is the engine of Evolution and the Cyrus server. It runs here through Debian's
gir1.2-ical-3.0 and python3-gi, which are installed for Debian's /usr/bin/python3, so the test
suite runs this file as a subprocess (as tests/js/read_feed.mjs runs ical.js).

Each TZID is resolved through the feed's own VTIMEZONE components, as a client does
(icalcomponent_get_timezone on the VCALENDAR), never through libical's built-in zones. A TZID with
no VTIMEZONE or a floating time is an error, not a guess.
"""

from __future__ import annotations

import json
import sys

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402

Kind = ICalGLib.ComponentKind
Prop = ICalGLib.PropertyKind


def _components(parent, kind) -> list:
    found = []
    component = parent.get_first_component(kind)
    while component is not None:
        found.append(component)
        component = parent.get_next_component(kind)
    return found


def _instant(calendar, vevent, kind, getter: str) -> dict:
    prop = vevent.get_first_property(kind)
    if prop is None:
        raise SystemExit(f"{vevent.get_uid()}: no {getter[4:].upper()}")
    value = getattr(prop, getter)()
    param = prop.get_first_parameter(ICalGLib.ParameterKind.TZID_PARAMETER)
    tzid = param.get_tzid() if param is not None else None
    if value.is_date():
        return {"utc": None, "isDate": True, "tzid": tzid, "value": value.as_ical_string()}
    if tzid is not None:
        zone = calendar.get_timezone(tzid)
        if zone is None:
            raise SystemExit(f"TZID {tzid} has no VTIMEZONE")
        if value.is_utc():
            raise SystemExit(f"{value.as_ical_string()} is in UTC and has a TZID")
        utc = value.as_timet_with_zone(zone)
    elif value.is_utc():
        utc = value.as_timet()
    else:
        raise SystemExit(f"floating time {value.as_ical_string()}")
    return {"utc": utc, "isDate": False, "tzid": tzid, "value": value.as_ical_string()}


def _parse_errors(component) -> list[str]:
    """What libical could not parse: it keeps going and leaves X-LIC-ERROR properties behind."""
    errors = []
    prop = component.get_first_property(Prop.XLICERROR_PROPERTY)
    while prop is not None:
        errors.append(prop.as_ical_string().strip())
        prop = component.get_next_property(Prop.XLICERROR_PROPERTY)
    child = component.get_first_component(Kind.ANY_COMPONENT)
    children = []
    while child is not None:
        children.append(child)
        child = component.get_next_component(Kind.ANY_COMPONENT)
    for child in children:
        errors.extend(_parse_errors(child))
    return errors


def main() -> None:
    text = sys.stdin.buffer.read().decode("utf-8")
    calendar = ICalGLib.Component.new_from_string(text)
    if calendar is None or calendar.isa() != Kind.VCALENDAR_COMPONENT:
        raise SystemExit("not a VCALENDAR")
    errors = _parse_errors(calendar)
    if errors:
        raise SystemExit("libical could not parse: " + "; ".join(errors[:5]))
    zones = [
        vtimezone.get_first_property(Prop.TZID_PROPERTY).get_tzid()
        for vtimezone in _components(calendar, Kind.VTIMEZONE_COMPONENT)
    ]
    events = [
        {
            "uid": vevent.get_uid(),
            "start": _instant(calendar, vevent, Prop.DTSTART_PROPERTY, "get_dtstart"),
            "end": _instant(calendar, vevent, Prop.DTEND_PROPERTY, "get_dtend"),
        }
        for vevent in _components(calendar, Kind.VEVENT_COMPONENT)
    ]
    json.dump({"zones": zones, "events": events}, sys.stdout)


if __name__ == "__main__":
    main()
