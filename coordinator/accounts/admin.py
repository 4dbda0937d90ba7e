"""Account administration: creating and deactivating users."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from coordinator.accounts.models import Role, User
from coordinator.accounts.passwords import hash_password, password_problem
from coordinator.accounts.services import normalise_email
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.forms import has_control_characters


def create_user(*, email: str, name: str, role: str | Role, partner=None,
                password: str) -> User:
    """Create an account with a password; the partner is required exactly for focal points."""
    from email_validator import EmailNotValidError, validate_email

    role = Role(role)
    try:
        email = normalise_email(validate_email(email, check_deliverability=False).normalized)
    except EmailNotValidError as error:
        raise DomainError(_("Invalid email: %(reason)s", reason=error), field="email") from error
    name = name.strip()
    if not name or len(name) > 200 or has_control_characters(name):
        raise DomainError(_("Give a name of 1 to 200 printable characters."), field="name")
    if role == Role.FOCAL_POINT and partner is None:
        raise DomainError(_("A focal point belongs to a partner."), field="partner")
    if role != Role.FOCAL_POINT and partner is not None:
        raise DomainError(_("Only focal points belong to a partner."), field="partner")
    problem = password_problem(password)
    if problem:
        raise DomainError(problem, field="password")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise DomainError(_("An account with this email already exists."), field="email")
    user = User(email=email, name=name, role=role, partner=partner,
                password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    return user
