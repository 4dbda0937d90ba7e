"""The clash warning: network events on overlapping dates that involve the same partner or
take place in the same city, or that share a theme in the same ISO week. It informs the
proposer and staff; it never blocks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coordinator.activities.display import list_text
from coordinator.activities.models import Confirmation, Event, EventPartner, Status
from coordinator.activities.permissions import can_view_event
from coordinator.extensions import db
from coordinator.multilingual import localized_text
from coordinator.partners.models import Partner

# Cancelled, withdrawn, rejected events and drafts never clash.
CLASH_STATES = (Status.SUBMITTED, Status.APPROVED)


@dataclass
class Clash:
    event: Event | None  # None: a proposal the viewer may not see (only counted)
    reasons: list[str]
    shared_partners: list[Partner] = field(default_factory=list)


def _iso_week(moment: datetime, zone: str) -> tuple[int, int]:
    year, week, _ = moment.astimezone(ZoneInfo(zone)).isocalendar()
    return year, week


def local_days(start_dt: datetime, end_dt: datetime, zone: str) -> tuple[date, date]:
    """The first and the last local day an event takes place on, in its own zone (an end at
    midnight, as all-day events end, belongs to the day before)."""
    tz = ZoneInfo(zone)
    first = start_dt.astimezone(tz).date()
    last = (end_dt - timedelta(microseconds=1)).astimezone(tz).date()
    return first, max(first, last)


def _days_overlap(a: tuple[date, date], b: tuple[date, date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def involved_partner_ids(event: Event) -> set[int]:
    """The partners taking part in an event: its lead and the co-organisers that did not
    decline."""
    return {event.lead_partner_id} | {
        link.partner_id
        for link in event.partner_links
        if link.confirmation != Confirmation.DECLINED
    }


def partner_label(partner: Partner) -> str:
    return partner.acronym or partner.name


def find_clashes(
    viewer,
    *,
    start_dt: datetime,
    end_dt: datetime,
    timezone: str,
    city: str,
    theme_ids: list[int],
    partner_ids: Iterable[int] = (),
    exclude_event_id: int | None = None,
    limit: int = 20,
) -> tuple[list[Clash], int]:
    """Clashes the viewer may see, and how many more exist among proposals hidden from them.

    partner_ids are the partners of the proposal (its lead and co-organisers): another event
    involving any of them on one of its days is the clash that matters most.
    """
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
            selectinload(Event.partner_links).selectinload(EventPartner.partner),
            selectinload(Event.lead_partner),
        )
        .order_by(Event.start_dt, Event.id)
    )
    if exclude_event_id is not None:
        query = query.where(Event.id != exclude_event_id)
    week = _iso_week(start_dt, timezone)
    days = local_days(start_dt, end_dt, timezone)
    city_key = city.strip().casefold()
    wanted_themes = set(theme_ids)
    wanted_partners = set(partner_ids)
    visible: list[Clash] = []
    hidden = 0
    for other in db.session.scalars(query):
        reasons = []
        same_days = _days_overlap(days, local_days(other.start_dt, other.end_dt, other.timezone))
        shared_partners = _shared_partners(other, wanted_partners) if same_days else []
        if shared_partners:
            names = list_text([partner_label(p) for p in shared_partners])
            reasons.append(_("same day, same partner: %(partners)s", partners=names))
        if same_days and city_key and other.city.strip().casefold() == city_key:
            reasons.append(_("same city (%(city)s) on overlapping dates", city=other.city))
        shared = [localized_text(t, "name") for t in other.themes if t.id in wanted_themes]
        if shared and _iso_week(other.start_dt, other.timezone) == week:
            reasons.append(_("same week, shared theme: %(themes)s", themes=", ".join(shared)))
        if not reasons:
            continue
        if can_view_event(viewer, other):
            if len(visible) < limit:
                visible.append(Clash(other, reasons, shared_partners))
        else:
            hidden += 1
    return visible, hidden


def _shared_partners(other: Event, wanted: set[int]) -> list[Partner]:
    """The partners of the proposal that take part in the other event, its lead first."""
    if not wanted:
        return []
    partners = [other.lead_partner] + [
        link.partner for link in other.partner_links if link.confirmation != Confirmation.DECLINED
    ]
    return [p for p in partners if p.id in wanted]


def clash_leads(subject: Event | None, clashes: list[Clash]) -> str:
    """Whose events clash, listed as the page's language lists them: the subject's lead first,
    then the other events' leads ("UfM and CMI")."""
    leads = ([subject.lead_partner] if subject is not None else []) + [
        c.event.lead_partner for c in clashes if c.event is not None
    ]
    labels = list(dict.fromkeys(partner_label(p) for p in leads))
    return list_text(labels)


def clashes_for_event(viewer, event: Event) -> tuple[list[Clash], int]:
    return find_clashes(
        viewer,
        start_dt=event.start_dt,
        end_dt=event.end_dt,
        timezone=event.timezone,
        city=event.city,
        theme_ids=[t.id for t in event.themes],
        partner_ids=involved_partner_ids(event),
        exclude_event_id=event.id,
    )
