"""Idempotency keys of API writes: the first response to (token, key) is kept and replayed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coordinator.db import UTCDateTime, utcnow
from coordinator.extensions import db


class IdempotencyKey(db.Model):
    """One Idempotency-Key a token sent with a POST, and the response it got.

    The row is inserted in the same transaction as the draft it guards, behind the unique
    (token_id, key) constraint: a concurrent twin waits for that transaction and then finds
    the row, so one draft is created however many retries race."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (UniqueConstraint("token_id", "key", name="uq_api_idempotency_token_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    location: Mapped[str] = mapped_column(String(500), default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
