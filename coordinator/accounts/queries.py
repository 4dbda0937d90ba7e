"""Read queries of the staff users page."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coordinator.accounts.models import Invitation, User
from coordinator.db import utcnow
from coordinator.extensions import db


def all_accounts() -> list[User]:
    """Every account with its partner, by role then name."""
    return list(
        db.session.scalars(
            select(User).options(selectinload(User.partner)).order_by(User.role, User.name)
        )
    )


def open_invitations() -> list[Invitation]:
    """Invitations neither used nor expired, the newest first."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.used_dt.is_(None), Invitation.expires_dt > utcnow())
            .options(selectinload(Invitation.partner))
            .order_by(Invitation.created_dt.desc())
        )
    )
