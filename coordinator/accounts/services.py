"""Every state change of accounts: sign-in, sign-out, throttling."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy import delete, func, select

from coordinator.accounts.models import LoginFailure, User
from coordinator.accounts.passwords import hash_password, needs_rehash, verify_password
from coordinator.db import utcnow
from coordinator.errors import DomainError
from coordinator.extensions import db


class TooManyAttempts(DomainError):
    status_code = 429


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _recent_failures(column, value: str) -> int:
    since = utcnow() - timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    return db.session.scalar(
        select(func.count()).select_from(LoginFailure).where(column == value,
                                                             LoginFailure.created_dt >= since)
    ) or 0


def check_throttle(email: str, address: str) -> None:
    """Refuse a sign-in attempt when this account or address failed too often recently."""
    config = current_app.config
    if (
        _recent_failures(LoginFailure.email, normalise_email(email))
        >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
        or _recent_failures(LoginFailure.address, address)
        >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    ):
        raise TooManyAttempts(
            "Too many failed sign-in attempts. Please wait a few minutes and try again."
        )


def authenticate(email: str, password: str, address: str) -> User:
    """Return the user for these credentials, or raise; unknown emails cost the same time."""
    check_throttle(email, address)
    user = find_user_by_email(email)
    password_hash = user.password_hash if user is not None else None
    if not verify_password(password_hash, password) or user is None or not user.is_enabled:
        db.session.add(LoginFailure(email=normalise_email(email)[:254], address=address[:64]))
        raise DomainError("The email or password is not right.")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def sign_in(user: User, remember: bool = False) -> None:
    """Start a fresh session for the user (never reuse the anonymous one)."""
    session.clear()
    user.last_login_dt = utcnow()
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == user.email))
    login_user(user, remember=remember)


def sign_out(user: User | None) -> None:
    """End the session and revoke every copy of its cookie."""
    if user is not None and getattr(user, "is_authenticated", False):
        user.rotate_session_nonce()
    logout_user()
    session.clear()


def set_password(user: User, password: str) -> None:
    """Change the password and sign out every other session of this user."""
    user.password_hash = hash_password(password)
    user.rotate_session_nonce()
