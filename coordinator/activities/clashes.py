"""The clash warning: network events that overlap a proposal in the same city, or share a
theme in the same ISO week. It informs the proposer and staff; it never blocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coordinator.activities.models import Event, Status
from coordinator.activities.permissions import can_view_event
from coordinator.extensions import db

CLASH_STATES = (Status.SUBMITTED, Status.APPROVED)


@dataclass
class Clash:
    event: Event | None  # None: a proposal the viewer may not see (only counted)
    reasons: list[str]


def _iso_week(moment: datetime, zone: str) -> tuple[int, int]:
    year, week, _ = moment.astimezone(ZoneInfo(zone)).isocalendar()
    return year, week


def find_clashes(
    viewer,
    *,
    start_dt: datetime,
    end_dt: datetime,
    timezone: str,
    city: str,
    theme_ids: list[int],
    exclude_event_id: int | None = None,
    limit: int = 20,
) -> tuple[list[Clash], int]:
    """Clashes the viewer may see, and how many more exist among proposals hidden from them."""
    window = timedelta(days=8)  # wide enough for "same ISO week" in any zone
    query = (
        select(Event)
        .where(
            Event.status.in_(CLASH_STATES),
            Event.start_dt < end_dt + window,
            Event.end_dt > start_dt - window,
        )
        .options(
            selectinload(Event.themes),
            selectinload(Event.partner_links),
            selectinload(Event.lead_partner),
        )
        .order_by(Event.start_dt, Event.id)
    )
    if exclude_event_id is not None:
        query = query.where(Event.id != exclude_event_id)
    week = _iso_week(start_dt, timezone)
    city_key = city.strip().casefold()
    wanted_themes = set(theme_ids)
    visible: list[Clash] = []
    hidden = 0
    for other in db.session.scalars(query):
        reasons = []
        if (
            city_key
            and other.city.strip().casefold() == city_key
            and (other.start_dt < end_dt and other.end_dt > start_dt)
        ):
            reasons.append(_("same city (%(city)s) on overlapping dates", city=other.city))
        shared = [t.name for t in other.themes if t.id in wanted_themes]
        if shared and _iso_week(other.start_dt, other.timezone) == week:
            reasons.append(_("same week, shared theme: %(themes)s", themes=", ".join(shared)))
        if not reasons:
            continue
        if can_view_event(viewer, other):
            if len(visible) < limit:
                visible.append(Clash(other, reasons))
        else:
            hidden += 1
    return visible, hidden


def clashes_for_event(viewer, event: Event) -> tuple[list[Clash], int]:
    return find_clashes(
        viewer,
        start_dt=event.start_dt,
        end_dt=event.end_dt,
        timezone=event.timezone,
        city=event.city,
        theme_ids=[t.id for t in event.themes],
        exclude_event_id=event.id,
    )
