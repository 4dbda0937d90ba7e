"""What people follow, the digest subscriptions of people without an account, and the record
of every digest sent (one row per recipient and period, so a period is never sent twice)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coordinator.db import UTCDateTime, utcnow
from coordinator.extensions import db
from coordinator.i18n import lazy_gettext as _l


def _enum(cls, length: int = 16) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class FollowKind(enum.StrEnum):
    PARTNER = "partner"
    THEME = "theme"
    PROJECT = "project"
    COUNTRY = "country"

    @property
    def label(self):
        return _FOLLOW_LABELS[self.value]


_FOLLOW_LABELS = {
    "partner": _l("Partners"),
    "theme": _l("Themes"),
    "project": _l("Joint projects"),
    "country": _l("Countries"),
}


class Period(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"

    @property
    def label(self):
        return {"daily": _l("Daily"), "weekly": _l("Weekly")}[self.value]


class Follow(db.Model):
    """One thing followed, by a signed-in user or by a digest subscription (exactly one).
    `key` is the partner's, theme's or project's id, or the ISO country code."""

    __tablename__ = "follows"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (subscription_id IS NULL)", name="one_follower"),
        # One follow per follower and target (the two ids never both set: NULLs never clash).
        UniqueConstraint("follower", "kind", "key", name="uq_follows_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("digest_subscriptions.id", ondelete="CASCADE"), index=True
    )
    follower: Mapped[str] = mapped_column(String(40))  # "user:<id>" or "subscription:<id>"
    kind: Mapped[FollowKind] = mapped_column(_enum(FollowKind))
    key: Mapped[str] = mapped_column(String(20))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FollowerSettings(db.Model):
    """How often a signed-in user gets the digest of what they follow (daily by default)."""

    __tablename__ = "follower_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[Period | None] = mapped_column(_enum(Period))  # None: no digest of follows
    # The per-user part of the signed unsubscribe link of their digests.
    secret: Mapped[str] = mapped_column(String(64))


class DigestSubscription(db.Model):
    """Someone without an account who asked for the digest by e-mail.

    Pending until the confirmation link (a random token, only its hash kept) is opened; the
    address is never shown on any page. `secret` is the per-subscription part of the signed
    unsubscribe and preferences links: replacing it kills every link mailed before."""

    __tablename__ = "digest_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    language: Mapped[str] = mapped_column(String(10))
    timezone: Mapped[str] = mapped_column(String(64))
    period: Mapped[Period] = mapped_column(_enum(Period), default=Period.WEEKLY)
    secret: Mapped[str] = mapped_column(String(64))
    confirm_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    confirm_expires_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_active(self) -> bool:
        return self.confirmed_dt is not None and self.unsubscribed_dt is None


class DigestSent(db.Model):
    """One digest period of one recipient, claimed before it is composed: a second run for the
    same (recipient, period, start) finds the row and sends nothing. item_count 0: it was empty
    and nothing went out."""

    __tablename__ = "digests_sent"
    __table_args__ = (
        UniqueConstraint("recipient", "period", "period_start", name="uq_digests_sent_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(40))  # "user:<id>" or "subscription:<id>"
    period: Mapped[Period] = mapped_column(_enum(Period))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    item_count: Mapped[int] = mapped_column(default=0)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outgoing_messages.id", ondelete="SET NULL")
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
