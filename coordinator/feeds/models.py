"""Private calendar feed tokens: only a SHA-256 hash of each token is stored."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.db import UTCDateTime, utcnow
from coordinator.extensions import db

if TYPE_CHECKING:
    from coordinator.accounts.models import User


class FeedToken(db.Model):
    """A named, revocable private feed URL of one user."""

    __tablename__ = "feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rotated_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return (
            f"<FeedToken {self.id} of user {self.owner_id}{' revoked' if self.revoked_dt else ''}>"
        )

    @property
    def is_revoked(self) -> bool:
        return self.revoked_dt is not None
