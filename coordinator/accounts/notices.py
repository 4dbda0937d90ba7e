"""How each person wants the workflow's notices: at once, collected into a daily or weekly
digest, or not at all, per kind of notice.

The workflow (activities, documents) hands every notice to `deliver_notice`; it is queued as
mail at once, or held here for the recipient's next digest (coordinator.following sends the
digests), or dropped. Security mail (invitations, password resets) never comes through here:
accounts queues it directly, so it is always immediate.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from coordinator.db import UTCDateTime, utcnow
from coordinator.extensions import db
from coordinator.i18n import lazy_gettext as _l
from coordinator.mail import queue_mail


class NoticeKind(enum.StrEnum):
    CO_ORGANISER_REQUESTS = "co_organiser_requests"
    DECISIONS = "decisions"
    REVISIONS = "revisions"
    NEW_DOCUMENTS = "new_documents"

    @property
    def label(self):
        return _KIND_LABELS[self.value]


_KIND_LABELS = {
    "co_organiser_requests": _l("Co-organiser requests and answers"),
    "decisions": _l("Proposals and decisions"),
    "revisions": _l("Changes proposed to published events"),
    "new_documents": _l("New documents"),
}


class Delivery(enum.StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"
    NONE = "none"

    @property
    def label(self):
        return _DELIVERY_LABELS[self.value]


_DELIVERY_LABELS = {
    "immediate": _l("At once"),
    "daily": _l("In a daily digest"),
    "weekly": _l("In a weekly digest"),
    "none": _l("Never"),
}

# The periods a digest is sent for (Delivery values that collect notices).
DIGEST_PERIODS = (Delivery.DAILY, Delivery.WEEKLY)


def _enum(cls, length: int = 24) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class NoticePreference(db.Model):
    """A person's choice for one kind; no row means at once."""

    __tablename__ = "notice_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_notice_preferences_user_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NoticeKind] = mapped_column(_enum(NoticeKind, 32))
    delivery: Mapped[Delivery] = mapped_column(_enum(Delivery, 16))


class HeldNotice(db.Model):
    """A notice kept for the recipient's next daily or weekly digest; digest_id is set once a
    digest carried it (so it is carried once)."""

    __tablename__ = "held_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NoticeKind] = mapped_column(_enum(NoticeKind, 32))
    period: Mapped[Delivery] = mapped_column(_enum(Delivery, 16))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    digest_id: Mapped[int | None] = mapped_column(index=True)


def preferences_of(user) -> dict[NoticeKind, Delivery]:
    """Every kind with the person's choice (at once where they made none)."""
    chosen = {
        row.kind: row.delivery
        for row in db.session.scalars(
            select(NoticePreference).where(NoticePreference.user_id == user.id)
        )
    }
    return {kind: chosen.get(kind, Delivery.IMMEDIATE) for kind in NoticeKind}


def set_preferences(user, choices: dict[NoticeKind, Delivery]) -> None:
    """Save the person's choices (flushes; the caller commits)."""
    existing = {
        row.kind: row
        for row in db.session.scalars(
            select(NoticePreference).where(NoticePreference.user_id == user.id)
        )
    }
    for kind, delivery in choices.items():
        row = existing.get(kind)
        if row is None:
            db.session.add(NoticePreference(user_id=user.id, kind=kind, delivery=delivery))
        else:
            row.delivery = delivery
    db.session.flush()


def deliver_notice(user, kind: NoticeKind, subject: str, body_text: str, greeting: str) -> None:
    """Queue the notice as mail (after the greeting), hold it for a digest (which greets once
    for all its notices), or drop it, as the person chose."""
    delivery = preferences_of(user)[kind]
    if delivery == Delivery.IMMEDIATE:
        queue_mail(user.email, subject, f"{greeting}\n\n{body_text}\n", user=user)
    elif delivery in DIGEST_PERIODS:
        db.session.add(
            HeldNotice(
                user_id=user.id,
                kind=kind,
                period=delivery,
                subject=" ".join(subject.split())[:300],
                body_text=body_text,
            )
        )
        db.session.flush()


def held_notices(user_id: int, period: Delivery, before: datetime) -> list[HeldNotice]:
    """The notices held for this person's digest of this period and not carried yet."""
    return list(
        db.session.scalars(
            select(HeldNotice)
            .where(
                HeldNotice.user_id == user_id,
                HeldNotice.period == period,
                HeldNotice.digest_id.is_(None),
                HeldNotice.created_dt < before,
            )
            .order_by(HeldNotice.created_dt.desc(), HeldNotice.id.desc())
        )
    )
