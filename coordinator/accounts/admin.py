"""Account administration: creating and deactivating users."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from coordinator.accounts.models import Role, User
from coordinator.accounts.passwords import hash_password, password_problem
from coordinator.accounts.services import validated_email, validated_name
from coordinator.errors import DomainError
from coordinator.extensions import db


def create_user(*, email: str, name: str, role: str | Role, partner=None, password: str) -> User:
    """Create an account with a password; the partner is required exactly for focal points."""
    role = Role(role)
    email = validated_email(email)
    name = validated_name(name)
    if role == Role.FOCAL_POINT and partner is None:
        raise DomainError(_("A focal point belongs to a partner."), field="partner")
    if role != Role.FOCAL_POINT and partner is not None:
        raise DomainError(_("Only focal points belong to a partner."), field="partner")
    problem = password_problem(password)
    if problem:
        raise DomainError(problem, field="password")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise DomainError(_("An account with this email already exists."), field="email")
    user = User(
        email=email, name=name, role=role, partner=partner, password_hash=hash_password(password)
    )
    db.session.add(user)
    db.session.flush()
    return user
