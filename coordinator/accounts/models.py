"""Users, roles, invitations, password resets and sign-in failures."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.db import UTCDateTime, utcnow
from coordinator.extensions import db

if TYPE_CHECKING:
    from coordinator.partners.models import Partner


class Role(enum.StrEnum):
    FOCAL_POINT = "focal_point"
    STAFF = "staff"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """The role's name in the page's (or the e-mail's) language."""
        return {
            "focal_point": _("Focal point"),
            "staff": _("Staff"),
            "admin": _("Administrator"),
        }[self.value]


def new_session_nonce() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        # A focal point belongs to exactly one partner; staff and admins to none.
        CheckConstraint(
            "(role = 'focal_point' AND partner_id IS NOT NULL)"
            " OR (role != 'focal_point' AND partner_id IS NULL)",
            name="role_partner",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Part of the session identity: rotating it signs out every copy of a session cookie.
    session_nonce: Mapped[str] = mapped_column(String(64), default=new_session_nonce)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str | None] = mapped_column(String(10))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner: Mapped[Partner | None] = relationship(back_populates="focal_points")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"

    # Flask-Login: the id carries the nonce, so a rotated nonce invalidates old cookies.
    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_focal_point(self) -> bool:
        return self.role == Role.FOCAL_POINT

    def rotate_session_nonce(self) -> None:
        self.session_nonce = new_session_nonce()


class Invitation(db.Model):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner: Mapped[Partner | None] = relationship()
    invited_by: Mapped[User | None] = relationship()


class PasswordResetToken(db.Model):
    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginFailure(db.Model):
    """One failed sign-in; counted per account and per address to throttle guessing."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_email_dt", "email", "created_dt"),
        Index("ix_login_failures_address_dt", "address", "created_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiScope(enum.StrEnum):
    """What a personal API token may do: read adds what its owner may see signed in (network-only
    events, their partner's proposals); propose creates, edits and submits drafts."""

    READ = "read"
    PROPOSE = "propose"


class ApiToken(db.Model):
    """A named, revocable personal API token (only its SHA-256 is stored), sent as a Bearer."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(100))  # space-separated ApiScope values
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} of user {self.owner_id} {self.scopes!r}>"

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def has_scope(self, scope: ApiScope) -> bool:
        return scope.value in self.scope_set

    @property
    def is_revoked(self) -> bool:
        return self.revoked_dt is not None
