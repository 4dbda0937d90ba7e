"""Joint events and projects, their co-organising partners, themes and revisions."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from flask_babel import LazyString, pgettext
from sqlalchemy import (
    DDL,
    JSON,
    CheckConstraint,
    Column,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from coordinator.db import UTCDateTime, utcnow
from coordinator.extensions import db
from coordinator.i18n import lazy_gettext as _l
from coordinator.multilingual import TranslatableMixin, TranslationMixin

if TYPE_CHECKING:
    from coordinator.accounts.models import User
    from coordinator.partners.models import Partner


def _enum(cls):
    return Enum(cls, native_enum=False, length=30, values_callable=lambda e: [m.value for m in e])


class Status(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"

    @property
    def label(self) -> LazyString:
        """The state's name in the page's language (lazy: safe in module-level choices)."""
        return _STATUS_LABELS[self.value]


# Lazy strings, so each is translated when shown, in the language of whoever reads it.
_STATUS_LABELS = {
    "draft": _l("Draft"),
    # The catalogs' plain "Submitted" heads a date column ("Submitted on"): the state needs
    # its own entry, hence a context (a lambda keeps it lazy and visible to the extractor).
    "submitted": LazyString(lambda: pgettext("activity status", "Submitted")),
    "changes_requested": _l("Changes requested"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
    "cancelled": _l("Cancelled"),
}


# Approved activities are published; cancelled ones stay visible, marked as cancelled.
PUBLISHED_STATES = (Status.APPROVED, Status.CANCELLED)


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    NETWORK = "network"  # signed-in users only

    @property
    def label(self) -> LazyString:
        return _VISIBILITY_LABELS[self.value]


_VISIBILITY_LABELS = {"public": _l("Public"), "network": _l("Network members only")}


class EventKind(enum.StrEnum):
    CONFERENCE = "conference"
    WORKSHOP = "workshop"
    WEBINAR = "webinar"
    MEETING = "meeting"
    TRAINING = "training"
    FIELD_VISIT = "field_visit"
    FORUM = "forum"

    @property
    def label(self) -> LazyString:
        """The kind's name in the page's language (lazy: safe in module-level choices)."""
        return _KIND_LABELS[self.value]


_KIND_LABELS = {
    "conference": _l("Conference"),
    "workshop": _l("Workshop"),
    "webinar": _l("Webinar"),
    "meeting": _l("Meeting"),
    "training": _l("Training"),
    "field_visit": _l("Field visit"),
    "forum": _l("Forum"),
}


class Confirmation(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"

    @property
    def label(self) -> LazyString:
        return _CONFIRMATION_LABELS[self.value]


_CONFIRMATION_LABELS = {
    "pending": _l("Pending"),
    "confirmed": _l("Confirmed"),
    "declined": _l("Declined"),
}


class RevisionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # superseded by a newer edit
    CLOSED = "closed"  # its event was cancelled: there is nothing left to change

    @property
    def label(self) -> LazyString:
        return _REVISION_STATUS_LABELS[self.value]


_REVISION_STATUS_LABELS = {
    "pending": _l("Pending"),
    "approved": _l("Approved"),
    "changes_requested": _l("Changes requested"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
    "closed": _l("Closed with the cancellation"),
}


event_themes = Table(
    "event_themes",
    db.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
    # A theme's events (the theme filter, its counts and feeds; a theme's deletion), read from
    # the index alone: the primary key leads with the event.
    Index("ix_event_themes_theme_id", "theme_id", "event_id"),
)

project_themes = Table(
    "project_themes",
    db.metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)


class ThemeTranslation(TranslationMixin, db.Model):
    __tablename__ = "theme_translations"
    FIELDS = ("name",)

    theme_id: Mapped[int] = mapped_column(
        ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(120), default="")


class Theme(TranslatableMixin, db.Model):
    __tablename__ = "themes"
    TRANSLATABLE = ThemeTranslation.FIELDS

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)

    translations: Mapped[list[ThemeTranslation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=ThemeTranslation.language
    )

    def __repr__(self) -> str:
        return f"<Theme {self.slug}>"


# Which states carry which stamps, as the transition table guarantees (workflow.TRANSITIONS):
# only SUBMIT leaves a draft, so every state reached from a submission carries submitted_dt
# (a draft never does; a withdrawn proposal may have been a draft or a submission); only
# APPROVE publishes, and only an approved activity is cancelled.
SUBMITTED_STATES = (
    Status.SUBMITTED,
    Status.CHANGES_REQUESTED,
    Status.APPROVED,
    Status.REJECTED,
    Status.CANCELLED,
)


def _in(states) -> str:
    return "status IN (" + ", ".join(f"'{state.value}'" for state in states) + ")"


def stamp_constraints() -> tuple[CheckConstraint, ...]:
    """CHECK constraints tying an activity's status to its stamps (new objects per table)."""
    published = _in(PUBLISHED_STATES)
    return (
        CheckConstraint(
            f"(status = 'draft' AND submitted_dt IS NULL) OR status = 'withdrawn'"
            f" OR ({_in(SUBMITTED_STATES)} AND submitted_dt IS NOT NULL)",
            name="submitted_stamp",
        ),
        CheckConstraint(
            f"({published} AND published_dt IS NOT NULL)"
            f" OR (NOT {published} AND published_dt IS NULL)",
            name="published_stamp",
        ),
        CheckConstraint(
            "(status = 'cancelled' AND cancelled_dt IS NOT NULL)"
            " OR (status != 'cancelled' AND cancelled_dt IS NULL)",
            name="cancelled_stamp",
        ),
    )


class ReviewableMixin:
    """What events and joint projects share: a lead partner, a proposer, and the reviewed
    lifecycle with its stamps (tied to the status by stamp_constraints())."""

    lead_partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[Status] = mapped_column(_enum(Status), default=Status.DRAFT)
    status_changed_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    review_comment: Mapped[str] = mapped_column(Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @declared_attr
    def lead_partner(cls) -> Mapped[Partner]:
        return relationship()

    @declared_attr
    def proposer(cls) -> Mapped[User | None]:
        return relationship()

    @property
    def is_published(self) -> bool:
        return self.status in PUBLISHED_STATES

    @property
    def is_cancelled(self) -> bool:
        return self.status == Status.CANCELLED


class PartnerLinkMixin:
    """A partner named on an activity and its focal points' answer (one table per kind)."""

    OWNER_ID: str  # the name of the column naming the activity

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    confirmation: Mapped[Confirmation] = mapped_column(
        _enum(Confirmation), default=Confirmation.PENDING
    )
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responded_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When its focal points were asked to confirm (set at the first submission naming it).
    invited_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @declared_attr
    def partner(cls) -> Mapped[Partner]:
        return relationship()

    @classmethod
    def owner_id_column(cls):
        """The column naming the activity (event_id or project_id)."""
        return getattr(cls, cls.OWNER_ID)


class ProjectTranslation(TranslationMixin, db.Model):
    __tablename__ = "project_translations"
    FIELDS = ("title", "summary", "description")

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")


class Project(TranslatableMixin, ReviewableMixin, db.Model):
    __tablename__ = "projects"
    TRANSLATABLE = ProjectTranslation.FIELDS
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates_ordered"),
        Index("ix_projects_status", "status"),
        *stamp_constraints(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    acronym: Mapped[str] = mapped_column(String(40), default="")
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    website: Mapped[str] = mapped_column(String(500), default="")

    themes: Mapped[list[Theme]] = relationship(secondary=project_themes, order_by=Theme.name)
    # In a fixed order (the partners' ids), however they are loaded (joined or selectin).
    partner_links: Mapped[list[ProjectPartner]] = relationship(
        back_populates="project",
        cascade="all, delete-orphan",
        order_by="ProjectPartner.partner_id",
    )
    events: Mapped[list[Event]] = relationship(back_populates="project")
    translations: Mapped[list[ProjectTranslation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=ProjectTranslation.language
    )

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.slug} {self.status}>"


class ProjectPartner(PartnerLinkMixin, db.Model):
    """A partner of a joint project and whether its focal points confirmed."""

    __tablename__ = "project_partners"
    OWNER_ID = "project_id"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )

    project: Mapped[Project] = relationship(back_populates="partner_links")


# An event running longer than this is "long-running": a window of time finds the events
# overlapping it by seeking start_dt from LONG_EVENT_DAYS before the window (an index range),
# plus the long-running ones (a small partial index), rather than scanning every event that
# ends after the window's start. The predicate is written per engine, as the index and the
# queries must spell it the same way for the planner to match them.
LONG_EVENT_DAYS = 31
LONG_RUNNING_SQL = {
    "postgresql": f"end_dt - start_dt > interval '{LONG_EVENT_DAYS} days'",
    "sqlite": f"julianday(end_dt) - julianday(start_dt) > {LONG_EVENT_DAYS}",
}
# Most events last a day or less. Between a window's start and LONG_EVENT_DAYS before it, the
# events still running into the window are the few lasting longer (another small partial
# index): the window's range of the start index then begins a day back, not a month back,
# where the month's worth of events that have ended cost each list, calendar and partner page
# a thousand index entries read and dropped at 50,000 events.
MULTI_DAY_SQL = {
    "postgresql": "end_dt - start_dt > interval '1 day'",
    "sqlite": "julianday(end_dt) - julianday(start_dt) > 1",
}


class EventTranslation(TranslationMixin, db.Model):
    __tablename__ = "event_translations"
    FIELDS = ("title", "summary", "description")

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown, as the original's


# Carried by ix_events_status_start on PostgreSQL (INCLUDE): the columns that the month grid's
# placement, the lists' counts and their seeks read besides status and start_dt.
STATUS_START_INCLUDE = (
    "end_dt",
    "visibility",
    "id",
    "timezone",
    "is_all_day",
    "start_date",
    "end_date",
)

# Carried by ix_events_start_id on PostgreSQL (INCLUDE): what the lists' seeks along
# (start_dt, id) test of each event they pass (its end, state, visibility and lead partner)
# and what the agenda's opening event reads. Without them each seek fetched from the table
# every event it passed over: the events that began in the last LONG_EVENT_DAYS and have
# ended, about a thousand at 50,000 events, before the page's first one.
START_ID_INCLUDE = (
    "end_dt",
    "status",
    "visibility",
    "lead_partner_id",
    "timezone",
    "is_all_day",
    "start_date",
    "end_date",
)


class Event(TranslatableMixin, ReviewableMixin, db.Model):
    __tablename__ = "events"
    TRANSLATABLE = EventTranslation.FIELDS
    __table_args__ = (
        CheckConstraint("end_dt > start_dt", name="times_ordered"),
        # An all-day event carries its dates; a timed one carries none.
        CheckConstraint(
            "(is_all_day AND start_date IS NOT NULL AND end_date IS NOT NULL"
            " AND end_date >= start_date)"
            " OR (NOT is_all_day AND start_date IS NULL AND end_date IS NULL)",
            name="all_day_dates",
        ),
        # On PostgreSQL it carries what the month grid and the lists' counts and seeks read of
        # each event in a range, so that they read the index alone (index-only scans).
        Index(
            "ix_events_status_start",
            "status",
            "start_dt",
            postgresql_include=list(STATUS_START_INCLUDE),
        ),
        # The lists, the calendar and the partner pages seek along (start_dt, id).
        Index("ix_events_start_id", "start_dt", "id", postgresql_include=list(START_ID_INCLUDE)),
        # Only the events running longer than LONG_EVENT_DAYS (a few): what lets a "still
        # running" window start LONG_EVENT_DAYS back and still find every running event.
        Index(
            "ix_events_long_running",
            "start_dt",
            "id",
            postgresql_where=text(LONG_RUNNING_SQL["postgresql"]),
            sqlite_where=text(LONG_RUNNING_SQL["sqlite"]),
        ),
        # Only the events lasting more than a day: the ones of the last LONG_EVENT_DAYS that
        # a window beginning a day back must add (queries.running_after, overlapping).
        Index(
            "ix_events_multi_day",
            "start_dt",
            "id",
            postgresql_where=text(MULTI_DAY_SQL["postgresql"]),
            sqlite_where=text(MULTI_DAY_SQL["sqlite"]),
            postgresql_include=list(START_ID_INCLUDE),
        ),
        # The Atom feed: the newest published events.
        Index("ix_events_published_id", "published_dt", "id"),
        # A partner page's and a project page's lists seek along (start_dt, id) within the
        # partner's or the project's events, from now on or back from now, never reading
        # every event the partner leads or the project has. Their leading column serves the
        # plain lookups by lead partner or project (foreign keys, "my activities").
        Index("ix_events_lead_start", "lead_partner_id", "start_dt", "id"),
        Index("ix_events_project_start", "project_id", "start_dt", "id"),
        # A partner's own activities by state ("My partner's activities", the home page's
        # tasks, the badge): each state's count and latest events from the index alone.
        Index("ix_events_lead_status_start", "lead_partner_id", "status", "start_dt", "id"),
        *stamp_constraints(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind))
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name
    # UTC instants; for all-day events, local midnight of the first day and of the day
    # after the last.
    start_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    end_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    is_all_day: Mapped[bool] = mapped_column(default=False)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)  # the last day, inclusive
    venue: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    country: Mapped[str] = mapped_column(String(2), default="", index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    online_url: Mapped[str] = mapped_column(String(500), default="")
    languages: Mapped[str] = mapped_column(String(100), default="")  # comma-separated codes
    registration_url: Mapped[str] = mapped_column(String(500), default="")
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility), default=Visibility.PUBLIC)
    # Both indexed as the leading column of ix_events_lead_start and ix_events_project_start
    # (the mixin's own index on lead_partner_id would only repeat it).
    lead_partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    # Raised on every published change (approved revision, cancellation): iCalendar SEQUENCE.
    sequence: Mapped[int] = mapped_column(Integer, default=0)

    project: Mapped[Project | None] = relationship(back_populates="events")
    themes: Mapped[list[Theme]] = relationship(secondary=event_themes, order_by=Theme.name)
    # In a fixed order (the partners' ids), however they are loaded (joined or selectin).
    partner_links: Mapped[list[EventPartner]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventPartner.partner_id"
    )
    revisions: Mapped[list[EventRevision]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventRevision.id"
    )
    translations: Mapped[list[EventTranslation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=EventTranslation.language
    )

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title!r} {self.status}>"

    @property
    def is_online(self) -> bool:
        return bool(self.online_url)

    @property
    def confirmed_partners(self) -> list[Partner]:
        return [
            link.partner
            for link in self.partner_links
            if link.confirmation == Confirmation.CONFIRMED
        ]


# What the planner knows of events' durations. Without statistics on end_dt - start_dt it
# takes a third of the events for long-running, and then reads the "started LONG_EVENT_DAYS
# ago or earlier and still running" part of a partner's or a project's list (running_after)
# along that partner's or project's whole past in ix_events_lead_start or
# ix_events_project_start, rather than the few events of ix_events_long_running. PostgreSQL
# only (SQLite keeps no such statistics); its migration writes the same statement.
DURATION_STATISTICS_SQL = "CREATE STATISTICS st_events_duration ON (end_dt - start_dt) FROM events"
sa_event.listen(
    Event.__table__,
    "after_create",
    DDL(DURATION_STATISTICS_SQL).execute_if(dialect="postgresql"),
)


class EventPartner(PartnerLinkMixin, db.Model):
    """A co-organising partner of an event and whether its focal points confirmed."""

    __tablename__ = "event_partners"
    OWNER_ID = "event_id"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )

    # The partner's side is looked up too ("which events does this partner co-organise?",
    # "which invitations wait for its answer?"): by partner and answer, from the index alone.
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)

    event: Mapped[Event] = relationship(back_populates="partner_links")

    __table_args__ = (
        Index("ix_event_partners_partner_confirmation", "partner_id", "confirmation", "event_id"),
    )


class EventRevision(db.Model):
    """Proposed changes to a published event, reviewed while the approved version stays live."""

    __tablename__ = "event_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[RevisionStatus] = mapped_column(
        _enum(RevisionStatus), default=RevisionStatus.PENDING
    )
    review_comment: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(back_populates="revisions")
    proposer: Mapped[User | None] = relationship(foreign_keys=[proposer_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
