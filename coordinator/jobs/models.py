"""The job tables: which periodic run has been claimed, and which jobs failed for good."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coordinator.db import UTCDateTime, utcnow
from coordinator.extensions import db


class JobRun(db.Model):
    """One run of a periodic job for one period. The unique (job, period start) pair is what
    makes a period's run happen once when several hosts each run a scheduler."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("task_name", "period_start_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_name: Mapped[str] = mapped_column(String(100))
    period_start_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JobFailure(db.Model):
    """A job whose every attempt raised: kept for staff, who can queue it again."""

    __tablename__ = "job_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_name: Mapped[str] = mapped_column(String(100))
    arguments_json: Mapped[str] = mapped_column(Text, default="[]")
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column()
    failed_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Set when staff queue it again; a retry that fails again is recorded as a new failure.
    retried_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retried_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def arguments(self) -> list:
        return json.loads(self.arguments_json)
