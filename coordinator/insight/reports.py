"""Activity figures for annual reports: events per partner, theme, country and month.

An activity is counted when it is a published (approved, not cancelled) event the viewer may
see, and its start instant falls in the period, read in UTC: [start 00:00, end + 1 day 00:00).
A partner is counted for the events it leads and those it confirmed co-organising.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Integer, and_, cast, distinct, extract, func, select, union
from sqlalchemy.orm import aliased

from coordinator.activities.models import (
    Confirmation,
    Event,
    EventPartner,
    Status,
    Theme,
    ThemeTranslation,
    event_themes,
)
from coordinator.activities.permissions import published_events_clause
from coordinator.extensions import db
from coordinator.i18n import country_name
from coordinator.multilingual import current_language
from coordinator.partners.models import Partner, PartnerTranslation

_ACRONYM_IN_NAME = re.compile(r"\(([^()]{1,40})\)\s*$")


def partner_acronym(name: str, acronym: str | None = "") -> str:
    """The partner's short name: its acronym, else the one closing its name "… (AFD)", else ""."""
    if acronym and acronym.strip() and acronym.strip() != name.strip():
        return acronym.strip()
    match = _ACRONYM_IN_NAME.search(name or "")
    return match.group(1).strip() if match else ""


SECTIONS = ("partner", "theme", "country", "month")
MAX_PERIOD_DAYS = 366 * 10


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @classmethod
    def last_twelve_months(cls, today: date) -> Period:
        """From the first day of the month eleven months ago up to today: twelve month bars."""
        month_index = today.year * 12 + today.month - 1 - 11
        return cls(date(month_index // 12, month_index % 12 + 1, 1), today)

    @property
    def start_dt(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)

    @property
    def end_dt(self) -> datetime:
        """The exclusive upper bound: midnight after the last day."""
        return datetime(self.end.year, self.end.month, self.end.day, tzinfo=UTC) + timedelta(days=1)

    def months(self) -> list[tuple[int, int]]:
        first = self.start.year * 12 + self.start.month - 1
        last = self.end.year * 12 + self.end.month - 1
        return [(index // 12, index % 12 + 1) for index in range(first, last + 1)]


@dataclass(frozen=True)
class Figure:
    key: str  # stable: slug, country code, "YYYY-MM"
    label: str  # for people, in the page's language where it has one
    count: int
    short: str = ""  # a partner's acronym, for chart labels; the label stays the full name


@dataclass
class Report:
    period: Period
    total: int
    sections: dict[str, list[Figure]] = field(default_factory=dict)


def counted_events_clause(user, period: Period) -> ColumnElement[bool]:
    return and_(
        published_events_clause(user),
        Event.status == Status.APPROVED,
        Event.start_dt >= period.start_dt,
        Event.start_dt < period.end_dt,
    )


def _utc(column):
    # PostgreSQL would read timestamptz parts in the session's zone; SQLite stores UTC text.
    if db.engine.dialect.name == "postgresql":
        return func.timezone("UTC", column)
    return column


def count_events(user, period: Period) -> int:
    return db.session.scalar(
        select(func.count(Event.id)).where(counted_events_clause(user, period))
    )


def events_per_partner(user, period: Period) -> list[Figure]:
    clause = counted_events_clause(user, period)
    involvement = union(
        select(Event.id.label("event_id"), Event.lead_partner_id.label("partner_id")).where(clause),
        select(EventPartner.event_id, EventPartner.partner_id)
        .join(Event, Event.id == EventPartner.event_id)
        .where(clause, EventPartner.confirmation == Confirmation.CONFIRMED),
    ).subquery()
    events = func.count(distinct(involvement.c.event_id)).label("events")
    # The name in the page's language when translated, in the same statement.
    translated = aliased(PartnerTranslation)
    rows = db.session.execute(
        select(Partner.slug, Partner.name, translated.name, Partner.acronym, events)
        .join(involvement, involvement.c.partner_id == Partner.id)
        .outerjoin(
            translated,
            and_(translated.partner_id == Partner.id, translated.language == current_language()),
        )
        .group_by(Partner.id, Partner.slug, Partner.name, translated.name, Partner.acronym)
        .order_by(events.desc(), Partner.name)
    ).all()
    return [
        Figure(slug, shown or name, count, short=partner_acronym(shown or name, acronym))
        for slug, name, shown, acronym, count in rows
    ]


def events_per_theme(user, period: Period) -> list[Figure]:
    events = func.count(distinct(Event.id)).label("events")
    translated = aliased(ThemeTranslation)
    rows = db.session.execute(
        select(Theme.slug, Theme.name, translated.name, events)
        .join(event_themes, event_themes.c.theme_id == Theme.id)
        .join(Event, Event.id == event_themes.c.event_id)
        .outerjoin(
            translated,
            and_(translated.theme_id == Theme.id, translated.language == current_language()),
        )
        .where(counted_events_clause(user, period))
        .group_by(Theme.id, Theme.slug, Theme.name, translated.name)
        .order_by(events.desc(), Theme.name)
    ).all()
    return [Figure(slug, shown or name, count) for slug, name, shown, count in rows]


def events_per_country(user, period: Period) -> list[Figure]:
    events = func.count(Event.id).label("events")
    rows = db.session.execute(
        select(Event.country, events)
        .where(counted_events_clause(user, period))
        .group_by(Event.country)
        .order_by(events.desc(), Event.country)
    ).all()
    return [Figure(code or "", country_name(code), count) for code, count in rows]


def events_per_month(user, period: Period) -> list[Figure]:
    """Every month of the period, empty ones included, in order."""
    start = _utc(Event.start_dt)
    year = cast(extract("year", start), Integer).label("year")
    month = cast(extract("month", start), Integer).label("month")
    rows = db.session.execute(
        select(year, month, func.count(Event.id))
        .where(counted_events_clause(user, period))
        .group_by(year, month)
    ).all()
    counts = {(int(y), int(m)): count for y, m, count in rows}
    locale = get_locale()
    return [
        Figure(
            f"{y:04d}-{m:02d}",
            format_skeleton("yMMM", date(y, m, 1), locale=locale),
            counts.get((y, m), 0),
        )
        for y, m in period.months()
    ]


def build_report(user, period: Period) -> Report:
    """All four breakdowns and the total: six queries whatever the number of events."""
    return Report(
        period=period,
        total=count_events(user, period),
        sections={
            "partner": events_per_partner(user, period),
            "theme": events_per_theme(user, period),
            "country": events_per_country(user, period),
            "month": events_per_month(user, period),
        },
    )


def section_title(section: str) -> str:
    return {
        "partner": _("Activities per partner"),
        "theme": _("Activities per theme"),
        "country": _("Activities per country"),
        "month": _("Activities per month"),
    }[section]


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    # A spreadsheet would run a cell starting like a formula: keep partner names inert.
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def report_csv(report: Report) -> str:
    """One CSV of every breakdown: section, key, label, events."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["section", "key", "label", "events"])
    writer.writerow(
        [
            "total",
            "",
            f"{report.period.start.isoformat()}/{report.period.end.isoformat()}",
            report.total,
        ]
    )
    for section in SECTIONS:
        for figure in report.sections[section]:
            writer.writerow([section, _cell(figure.key), _cell(figure.label), figure.count])
    return buffer.getvalue()
