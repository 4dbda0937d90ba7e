"""Event cards read from rows: what a list's card shows of an event, its partners, project and
themes, with their text in the page's language, and nothing else.

A list page shows twenty cards. Building mapped Event objects for them (identity map, every
column, each co-organiser × theme row of a joined load) cost more than the page's SQL and its
rendering together, so lists read plain rows in two statements whatever their number: the
events with their lead partner, project and the page language's translations of all three,
then their confirmed co-organisers and themes with theirs. Cards answer what the card template
and the translation helpers (coordinator.multilingual.localized) ask of an event, partner,
project or theme; pages that change or fully show an event use the mapped Event.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, literal, null, select, union_all
from sqlalchemy.sql import Executable

from coordinator.activities.models import (
    PUBLISHED_STATES,
    Confirmation,
    Event,
    EventKind,
    EventPartner,
    EventTranslation,
    Project,
    ProjectTranslation,
    Status,
    Theme,
    ThemeTranslation,
    Visibility,
    event_themes,
)
from coordinator.db import in_bound_ids
from coordinator.extensions import db
from coordinator.multilingual import ShownTranslation, current_language, localized
from coordinator.partners.models import Partner, PartnerTranslation


class _Named:
    """Something a card names, with its text in the one language the card was read in."""

    __slots__ = ()
    language: str
    shown_in: str
    translation: ShownTranslation | None

    def shown_translation(self, language: str) -> ShownTranslation | None:
        # A card holds the translation of the language it was read in, and no other: showing
        # it in another language would silently show the original instead.
        if language != self.shown_in:
            raise LookupError(f"read in {self.shown_in!r}, shown in {language!r}")
        return self.translation


@dataclass(slots=True, eq=False)
class PartnerName(_Named):
    id: int
    slug: str
    acronym: str | None
    name: str
    language: str
    shown_in: str
    translation: ShownTranslation | None

    def short_name_in(self, language: str | None = None) -> str:
        """The acronym (the same in every language), else the name (as Partner's)."""
        return self.acronym or localized(self, "name", language).text


@dataclass(slots=True, eq=False)
class ProjectName(_Named):
    id: int
    slug: str
    acronym: str | None
    title: str
    status: Status
    language: str
    shown_in: str
    translation: ShownTranslation | None

    @property
    def is_published(self) -> bool:
        return self.status in PUBLISHED_STATES


@dataclass(slots=True, eq=False)
class ProjectSpan(ProjectName):
    """A project as a partner page's list shows it: its name, status and dates."""

    start_date: date
    end_date: date


def _project_name_columns(project: Any, project_text: Any) -> tuple[Any, ...]:
    """The columns of a ProjectName, in its fields' order, then its shown title: of the
    projects' table and a translation of them joined in the page's language."""
    return (
        project.id,
        project.slug,
        project.acronym,
        project.title,
        project.status,
        project.language,
        project_text.title,
    )


def project_span_columns(project: Any, project_text: Any) -> tuple[Any, ...]:
    """The columns of a ProjectSpan (project_spans): a ProjectName's, then the dates."""
    return (*_project_name_columns(project, project_text), project.start_date, project.end_date)


def project_spans(rows: Any, language: str) -> list[ProjectSpan]:
    """The ProjectSpans of rows of project_span_columns, read in `language`."""
    return [
        ProjectSpan(
            *row[:6],
            shown_in=language,
            translation=_shown(language, title=row[6]),
            start_date=row[7],
            end_date=row[8],
        )
        for row in rows
    ]


@dataclass(slots=True, eq=False)
class ThemeName(_Named):
    id: int
    slug: str
    name: str
    language: str
    shown_in: str
    translation: ShownTranslation | None


@dataclass(slots=True, eq=False)
class EventTitle(_Named):
    """An event as a calendar cell shows it: its title, whether it is cancelled, its times."""

    id: int
    title: str
    status: Status
    timezone: str
    start_dt: datetime
    end_dt: datetime
    is_all_day: bool
    start_date: date | None
    end_date: date | None
    language: str
    shown_in: str
    translation: ShownTranslation | None

    @property
    def is_cancelled(self) -> bool:
        return self.status == Status.CANCELLED


@dataclass(slots=True, eq=False)
class EventCard(EventTitle):
    """An event as a list's card shows it: a cell's, and what it is, where and by whom."""

    summary: str
    kind: EventKind
    visibility: Visibility
    city: str
    country: str
    online_url: str
    lead_partner: PartnerName
    project: ProjectName | None
    # Confirmed co-organisers in the partners' id order, themes by name (Event's orders).
    confirmed_partners: list[PartnerName] = field(default_factory=list)
    themes: list[ThemeName] = field(default_factory=list)

    @property
    def is_online(self) -> bool:
        return bool(self.online_url)


def _shown(language: str, **texts: str | None) -> ShownTranslation | None:
    """The translation row's texts; None when the row is missing (every text NULL)."""
    if all(text is None for text in texts.values()):
        return None
    return ShownTranslation(language, texts)


def _title_columns(event: Any, event_text: Any) -> tuple[Any, ...]:
    """The columns of an EventTitle, in its fields' order, then its shown title."""
    return (
        event.id,
        event.title,
        event.status,
        event.timezone,
        event.start_dt,
        event.end_dt,
        event.is_all_day,
        event.start_date,
        event.end_date,
        event.language,
        event_text.title,
    )


@functools.cache
def _titles_statement() -> Executable:
    """The statement reading calendar cells (EventTitle), as _cards_statement()."""
    event = Event.__table__.c
    event_text = EventTranslation.__table__.alias("event_text").c
    return (
        select(*_title_columns(event, event_text))
        .outerjoin_from(
            Event.__table__,
            event_text.event_id.table,
            and_(event_text.event_id == event.id, event_text.language == bindparam("language")),
        )
        .where(in_bound_ids(event.id, "ids"))
    )


def load_event_titles(ids: list[int]) -> dict[int, EventTitle]:
    """The calendar cells of the events `ids` by id, read in the page's language: one
    statement whatever their number."""
    if not ids:
        return {}
    language = current_language()
    parameters = {"ids": sorted(set(ids)), "language": language}
    titles = {}
    for *columns, shown_title in db.session.execute(_titles_statement(), parameters):
        titles[columns[0]] = EventTitle(
            *columns, shown_in=language, translation=_shown(language, title=shown_title)
        )
    return titles


@functools.cache
def _cards_statement() -> Executable:
    """The statement reading the cards of the events `ids` (bound, with the `language`), of
    the tables' columns: plain rows, without the ORM's compile and loading steps. Built once,
    as _links_statement(): building a statement and its cache key costs more Python than
    running it."""
    return card_rows().where(in_bound_ids(Event.__table__.c.id, "ids"))


def card_rows() -> Select:
    """The columns of the cards' events (read_cards), with the language bound as
    `language`, of every event: a statement picks its events by adding a WHERE or a join
    (to a subquery of the events' ids), and columns of its own after the card's."""
    language = bindparam("language")
    event = Event.__table__.c
    event_text = EventTranslation.__table__.alias("event_text").c
    lead = Partner.__table__.alias("lead").c
    lead_text = PartnerTranslation.__table__.alias("lead_text").c
    project = Project.__table__.c
    project_text = ProjectTranslation.__table__.alias("project_text").c
    return (
        select(
            *_title_columns(event, event_text),
            event_text.summary,
            event.summary,
            event.kind,
            event.visibility,
            event.city,
            event.country,
            event.online_url,
            lead.id,
            lead.slug,
            lead.acronym,
            lead.name,
            lead.language,
            lead_text.name,
            *_project_name_columns(project, project_text),
        )
        .join_from(Event.__table__, lead.id.table, lead.id == event.lead_partner_id)
        .outerjoin(
            event_text.event_id.table,
            and_(event_text.event_id == event.id, event_text.language == language),
        )
        .outerjoin(
            lead_text.partner_id.table,
            and_(lead_text.partner_id == lead.id, lead_text.language == language),
        )
        .outerjoin(Project.__table__, project.id == event.project_id)
        .outerjoin(
            project_text.project_id.table,
            and_(project_text.project_id == project.id, project_text.language == language),
        )
    )


@functools.cache
def _links_statement() -> Executable:
    """The confirmed co-organisers and the themes of the events `ids`, in the `language`
    (both bound)."""
    language = bindparam("language")
    link = EventPartner.__table__.c
    partner = Partner.__table__.c
    partner_text = PartnerTranslation.__table__.alias("partner_text").c
    tagged = event_themes.c
    theme = Theme.__table__.c
    theme_text = ThemeTranslation.__table__.alias("theme_text").c
    co_organisers = (
        select(
            literal(0).label("is_theme"),
            link.event_id,
            partner.id.label("ordinal"),
            partner.id,
            partner.slug,
            partner.acronym,
            partner.name.label("name"),
            partner.language,
            partner_text.name.label("shown_name"),
        )
        .join_from(EventPartner.__table__, Partner.__table__, partner.id == link.partner_id)
        .outerjoin(
            partner_text.partner_id.table,
            and_(partner_text.partner_id == partner.id, partner_text.language == language),
        )
        .where(in_bound_ids(link.event_id, "ids"), link.confirmation == Confirmation.CONFIRMED)
    )
    themes = (
        select(
            literal(1).label("is_theme"),
            tagged.event_id,
            literal(0).label("ordinal"),
            theme.id,
            theme.slug,
            null(),
            theme.name.label("name"),
            theme.language,
            theme_text.name,
        )
        .join_from(event_themes, Theme.__table__, theme.id == tagged.theme_id)
        .outerjoin(
            theme_text.theme_id.table,
            and_(theme_text.theme_id == theme.id, theme_text.language == language),
        )
        .where(in_bound_ids(tagged.event_id, "ids"))
    )
    # Co-organisers in their ids' order and themes by name, as Event's relationships order
    # them (the database's collation sorts the names).
    return union_all(co_organisers, themes).order_by("is_theme", "ordinal", "name")


def load_event_cards(ids: list[int], *, links: bool = True) -> list[EventCard]:
    """The cards of the events `ids`, in that order (ids of no event left out), read in the
    page's language: two statements whatever their number, or one without `links` (no
    co-organisers nor themes: the agenda names the lead partner only)."""
    if not ids:
        return []
    language = current_language()
    parameters = {"ids": sorted(set(ids)), "language": language}
    rows = db.session.execute(_cards_statement(), parameters)
    cards = {card.id: card for card in read_cards(rows, language)}
    if links:
        add_links(list(cards.values()), language)
    return [cards[number] for number in ids if number in cards]


def read_cards(rows: Any, language: str) -> list[EventCard]:
    """The cards of rows of card_rows() read in `language` (without their co-organisers and
    themes: add_links), in the rows' order."""
    cards = []
    for row in rows:
        *title, shown_title = row[:11]
        shown_summary, summary, kind, visibility, city, country, online_url = row[11:18]
        lead = PartnerName(
            *row[18:23], shown_in=language, translation=_shown(language, name=row[23])
        )
        project = None
        if row[24] is not None:
            project = ProjectName(
                *row[24:30], shown_in=language, translation=_shown(language, title=row[30])
            )
        cards.append(
            EventCard(
                *title,
                shown_in=language,
                translation=_shown(language, title=shown_title, summary=shown_summary),
                summary=summary,
                kind=kind,
                visibility=visibility,
                city=city,
                country=country,
                online_url=online_url,
                lead_partner=lead,
                project=project,
            )
        )
    return cards


def add_links(cards: list[EventCard], language: str) -> None:
    """Read the confirmed co-organisers and themes of `cards` (read in `language`) into
    them: one statement whatever their number."""
    if not cards:
        return
    by_id = {card.id: card for card in cards}
    parameters = {"ids": sorted(by_id), "language": language}
    for is_theme, event_id, _ordinal, *named, shown_name in db.session.execute(
        _links_statement(), parameters
    ):
        card = by_id[event_id]
        translation = _shown(language, name=shown_name)
        if is_theme:
            theme_id, slug, _acronym, name, theme_language = named
            card.themes.append(
                ThemeName(theme_id, slug, name, theme_language, language, translation)
            )
        else:
            card.confirmed_partners.append(
                PartnerName(*named, shown_in=language, translation=translation)
            )
