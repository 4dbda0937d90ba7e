"""The per-event list funders ask for: one row per joint activity counted in a report, with its
partners and their roles, place, themes, dates (local and UTC), kind and project; as CSV or as an
.xlsx workbook. Cells that a spreadsheet would run as a formula are made inert."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coordinator.activities.filters import EventFilters
from coordinator.activities.models import Confirmation, Event, EventPartner
from coordinator.extensions import db
from coordinator.i18n import country_name
from coordinator.insight.reports import Period, counted_events_clause, partner_acronym
from coordinator.partners.models import Partner


@dataclass(frozen=True)
class ActivityRow:
    event_id: int
    title: str
    kind: str
    project: str
    lead_partner: str
    co_organisers: str  # confirmed ones, "; "-separated
    partners_and_roles: str
    country_code: str
    country: str
    city: str
    themes: str
    timezone: str
    start_local: str
    end_local: str
    start_utc: str
    end_utc: str


def _partner_label(partner: Partner) -> str:
    short = partner_acronym(partner.name, partner.acronym)
    return (
        f"{partner.name} ({short})" if short and f"({short})" not in partner.name else partner.name
    )


def _local(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def _utc(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%MZ")


def _roles(event: Event) -> tuple[str, str]:
    roles = [_("%(partner)s: lead", partner=_partner_label(event.lead_partner))]
    confirmed = []
    for link in event.partner_links:
        label = _partner_label(link.partner)
        if link.confirmation == Confirmation.CONFIRMED:
            confirmed.append(label)
            roles.append(_("%(partner)s: co-organiser", partner=label))
        else:
            roles.append(
                _(
                    "%(partner)s: co-organiser (%(answer)s)",
                    partner=label,
                    answer=link.confirmation.value,
                )
            )
    return "; ".join(confirmed), "; ".join(roles)


def activity_rows(user, period: Period, filters: EventFilters | None = None) -> list[ActivityRow]:
    """The activities a report counts (same rule as the figures), narrowed by the list filters."""
    query = (
        select(Event)
        .where(counted_events_clause(user, period))
        .options(
            selectinload(Event.lead_partner),
            selectinload(Event.project),
            selectinload(Event.themes),
            selectinload(Event.partner_links).selectinload(EventPartner.partner),
        )
        .order_by(Event.start_dt, Event.id)
    )
    if filters is not None:
        # The period chooses the dates; the filters narrow partner, project, theme, country, kind.
        query = EventFilters(**{**filters.__dict__, "start": None, "end": None}).apply(query)
    rows = []
    for event in db.session.scalars(query).unique():
        co_organisers, roles = _roles(event)
        rows.append(
            ActivityRow(
                event_id=event.id,
                title=event.title,
                kind=str(event.kind.label),
                project=event.project.title if event.project else "",
                lead_partner=_partner_label(event.lead_partner),
                co_organisers=co_organisers,
                partners_and_roles=roles,
                country_code=event.country or "",
                country=country_name(event.country) if event.country else "",
                city=event.city or "",
                themes="; ".join(theme.name for theme in event.themes),
                timezone=event.timezone,
                start_local=_local(event.start_dt, event.timezone),
                end_local=_local(event.end_dt, event.timezone),
                start_utc=_utc(event.start_dt),
                end_utc=_utc(event.end_dt),
            )
        )
    return rows


COLUMNS = (
    ("event_id", "Event ID"),
    ("title", "Title"),
    ("kind", "Kind"),
    ("project", "Project"),
    ("lead_partner", "Lead partner"),
    ("co_organisers", "Co-organisers (confirmed)"),
    ("partners_and_roles", "Partners and roles"),
    ("country_code", "Country code"),
    ("country", "Country"),
    ("city", "City"),
    ("themes", "Themes"),
    ("timezone", "Time zone"),
    ("start_local", "Start (local)"),
    ("end_local", "End (local)"),
    ("start_utc", "Start (UTC)"),
    ("end_utc", "End (UTC)"),
)

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value):
    """A text cell a spreadsheet will not evaluate: a leading quote before = + - @ tab or CR."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _values(row: ActivityRow) -> list:
    return [inert(getattr(row, name)) for name, _header in COLUMNS]


def activities_csv(rows: list[ActivityRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header for _name, header in COLUMNS])
    for row in rows:
        writer.writerow(_values(row))
    return buffer.getvalue()


def activities_xlsx(rows: list[ActivityRow], period: Period) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Activities"
    sheet.append([header for _name, header in COLUMNS])
    for row in rows:
        # Control characters cannot be stored in a workbook; they carry nothing a reader needs.
        sheet.append(
            [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in _values(row)]
        )
    sheet.freeze_panes = "A2"
    for index, (name, header) in enumerate(COLUMNS, start=1):
        longest = max([len(header)] + [len(str(getattr(row, name))) for row in rows])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, longest + 2)
    about = workbook.create_sheet("About")
    about.append(["Period (UTC start dates)", period.start.isoformat(), period.end.isoformat()])
    about.append(["Activities", len(rows)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
