"""Partners' own calendars (sources) and the link from each imported event to its origin."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.db import UTCDateTime, utcnow
from coordinator.extensions import db

if TYPE_CHECKING:
    from coordinator.accounts.models import User
    from coordinator.activities.models import Event
    from coordinator.partners.models import Partner


class CalendarSource(db.Model):
    """A partner's calendar: a URL fetched on a schedule, or an uploaded .ics file."""

    __tablename__ = "calendar_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    url: Mapped[str] = mapped_column(String(500), default="")  # "" for an uploaded file
    # Only events whose CATEGORIES holds `category`, or whose title holds `keyword`, come in
    # (both empty: every event).
    keyword: Mapped[str] = mapped_column(String(100), default="")
    category: Mapped[str] = mapped_column(String(100), default="")
    default_kind: Mapped[str] = mapped_column(String(30), default="meeting")
    default_visibility: Mapped[str] = mapped_column(String(30), default="public")
    default_theme_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Conditional GET: what the server said last time.
    etag: Mapped[str] = mapped_column(String(300), default="")
    last_modified: Mapped[str] = mapped_column(String(100), default="")
    # The last sync and what it did.
    last_sync_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_problems: Mapped[list[str]] = mapped_column(JSON, default=list)

    partner: Mapped[Partner] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def is_upload(self) -> bool:
        return not self.url

    def __repr__(self) -> str:
        return f"<CalendarSource {self.id} {self.name!r}>"


class ImportedEvent(db.Model):
    """One event of a source (keyed by UID and RECURRENCE-ID) and the coordinator event it
    became, with the values last imported: a field whose event value differs from them was
    changed here by hand, and the next import leaves it alone."""

    __tablename__ = "imported_events"
    __table_args__ = (UniqueConstraint("source_id", "uid", "recurrence_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("calendar_sources.id", ondelete="CASCADE"), index=True
    )
    uid: Mapped[str] = mapped_column(String(255))
    recurrence_id: Mapped[str] = mapped_column(String(40), default="")
    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True, unique=True
    )
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Fields the last import changed on the event ("changed in your calendar"), and fields
    # the calendar changed that a local edit kept ({field: the calendar's value}).
    source_changed: Mapped[list[str]] = mapped_column(JSON, default=list)
    kept_local: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    floating_zone: Mapped[str] = mapped_column(String(64), default="")
    # "" | "proposed" (cancelled or removed in the source, for staff to confirm) | "confirmed"
    # | "dismissed"; removal_reason says which.
    cancellation: Mapped[str] = mapped_column(String(20), default="")
    removal_reason: Mapped[str] = mapped_column(String(200), default="")
    first_seen_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    source: Mapped[CalendarSource] = relationship()
    event: Mapped[Event] = relationship()
