"""The append-only audit log, written in the same transaction as the change it records."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.db import UTCDateTime, utcnow
from coordinator.extensions import db

if TYPE_CHECKING:
    from coordinator.accounts.models import User


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    subject_type: Mapped[str] = mapped_column(String(40))  # "event", "project", "document", ...
    subject_id: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(String(60))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str | None] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()


def record(
    *,
    actor,
    subject_type: str,
    subject_id: int,
    action: str,
    from_state: str | None = None,
    to_state: str | None = None,
    comment: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry to the current transaction."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        details=details,
    )
    db.session.add(entry)
    return entry
