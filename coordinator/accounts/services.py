"""Every state change of accounts: sign-in and throttling, invitations, password resets,
profile changes and deactivation. Services only flush; the view commits."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from blinker import Namespace
from flask import current_app, g, session
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import delete, func, select, update

from coordinator import metrics
from coordinator.accounts.models import Invitation, LoginFailure, PasswordResetToken, Role, User
from coordinator.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from coordinator.audit.models import record
from coordinator.db import serialise_on, utcnow
from coordinator.errors import DomainError, PermissionDenied
from coordinator.extensions import db
from coordinator.forms import has_control_characters
from coordinator.i18n import local_time_only, locale_for, localized_date
from coordinator.mail import OutgoingMessage, queue_mail, register_link_check
from coordinator.tokens import hash_token, new_token_and_hash
from coordinator.urls import absolute_url

if TYPE_CHECKING:
    from coordinator.partners.models import Partner

# Sent (with the user) when an account is deactivated, inside the transaction: modules above
# accounts connect to it to revoke what the user holds, and return a dict for the audit entry.
user_deactivated = Namespace().signal("user-deactivated")


class TooManyAttempts(DomainError):
    status_code = 429


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _recent_failures(column, value: str) -> int:
    since = utcnow() - timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    return (
        db.session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(column == value, LoginFailure.created_dt >= since)
        )
        or 0
    )


def check_throttle(email: str, address: str) -> None:
    """Refuse a sign-in attempt when this account or address failed too often recently. Until
    the attempt commits, others on the same account or address wait: concurrent wrong passwords
    cannot all pass the count before any of them is recorded."""
    config = current_app.config
    email = normalise_email(email)
    serialise_on(db.session, f"login-account:{email}", f"login-address:{address}")
    if (
        _recent_failures(LoginFailure.email, email) >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
        or _recent_failures(LoginFailure.address, address)
        >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    ):
        metrics.LOGIN_LOCKOUTS.inc()
        raise TooManyAttempts(
            _("Too many failed sign-in attempts. Please wait a few minutes and try again.")
        )


def authenticate(email: str, password: str, address: str) -> User:
    """Return the user for these credentials, or raise; unknown emails cost the same time."""
    check_throttle(email, address)
    user = find_user_by_email(email)
    password_hash = user.password_hash if user is not None else None
    if not verify_password(password_hash, password) or user is None or not user.is_enabled:
        db.session.add(LoginFailure(email=normalise_email(email)[:254], address=address[:64]))
        raise DomainError(_("The email or password is not right."))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def sign_in(user: User, remember: bool = False) -> None:
    """Start a fresh session for the user (never reuse the anonymous one)."""
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF's cached token belonged to the old session
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


# --- Random single-use tokens (invitations, password resets) ---------------------------


class TokenUnusable(DomainError):
    """The link is unknown (404), or was used or has expired (410)."""

    def __init__(self, message: str, status_code: int = 410):
        super().__init__(message)
        self.status_code = status_code


def _token_messages(kind: str) -> tuple[str, str, str]:
    """Why a link is unusable (unknown, used, expired), as whole sentences per kind of link:
    gluing "invitation" into one sentence would not translate."""
    if kind == "invitation":
        return (
            _("This invitation link is not valid. Check that you copied all of it."),
            _("This invitation link has already been used. Each link works once."),
            _("This invitation link has expired. Please ask for a new one."),
        )
    return (
        _("This password reset link is not valid. Check that you copied all of it."),
        _("This password reset link has already been used. Each link works once."),
        _("This password reset link has expired. Please ask for a new one."),
    )


def _check_token_row(row, kind: str) -> None:
    unknown, used, expired = _token_messages(kind)
    if row is None:
        raise TokenUnusable(unknown, 404)
    if row.used_dt is not None:
        raise TokenUnusable(used)
    if row.expires_dt <= utcnow():
        raise TokenUnusable(expired)


def _claim(model, row_id: int) -> None:
    """Mark a token used with a conditional UPDATE, so two concurrent uses cannot both win."""
    result = db.session.execute(
        update(model)
        .where(model.id == row_id, model.used_dt.is_(None))
        .values(used_dt=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise TokenUnusable(_("This link has already been used. Each link works once."))


# --- Invitations -----------------------------------------------------------------------


def invite_user(
    actor: User, *, email: str, name: str, role: Role | str, partner: Partner | None
) -> tuple[Invitation, str]:
    """Invite someone by email; returns the invitation and its (never stored) token."""
    from coordinator.accounts.permissions import can_invite

    role = Role(role)
    if not can_invite(actor, role):
        raise PermissionDenied(_("You may not invite this kind of account."))
    email = validated_email(email)
    if role == Role.FOCAL_POINT:
        if partner is None:
            raise DomainError(_("Choose the partner this focal point belongs to."), field="partner")
        if not partner.is_active:
            raise DomainError(_("This partner is deactivated."), field="partner")
    else:
        partner = None
    if find_user_by_email(email) is not None:
        raise DomainError(_("An account with this email already exists."), field="email")
    # A new invitation replaces any earlier one still open for this email.
    db.session.execute(
        update(Invitation)
        .where(Invitation.email == email, Invitation.used_dt.is_(None))
        .values(used_dt=utcnow())
        .execution_options(synchronize_session=False)
    )
    token, token_hash = new_token_and_hash()
    lifetime = timedelta(seconds=current_app.config["INVITATION_LIFETIME_SECONDS"])
    invitation = Invitation(
        email=email,
        name=name,
        role=role,
        partner=partner,
        token_hash=token_hash,
        invited_by=actor,
        expires_dt=utcnow() + lifetime,
    )
    db.session.add(invitation)
    db.session.flush()
    link = absolute_url("accounts.accept_invitation", token=token)
    # The invitee has no account, hence no saved language yet: write in the language the
    # inviting user works in (the locale of this request).
    with force_locale(str(get_locale())):
        subject, body = _invitation_mail(invitation, actor, link)
    queue_mail(
        email,
        subject,
        body,
        kind="invitation",
        link_id=invitation.id,
        expires_dt=invitation.expires_dt,
    )
    record(
        actor=actor,
        subject_type="invitation",
        subject_id=invitation.id,
        action="invite",
        details={"email": email, "role": role.value, "partner_id": partner.id if partner else None},
    )
    return invitation, token


def _invitation_mail(invitation: Invitation, actor: User, link: str) -> tuple[str, str]:
    """Subject and body of an invitation, in the current locale."""
    site = current_app.config["SITE_NAME"]
    greeting = _("Hello %(name)s,", name=invitation.name) if invitation.name else _("Hello,")
    if invitation.partner is not None:
        invites = _(
            "%(inviter)s invites you to join %(site)s as focal point of %(partner)s.",
            inviter=actor.name,
            site=site,
            partner=invitation.partner.name,
        )
    else:
        invites = _(
            "%(inviter)s invites you to join %(site)s with the role: %(role)s.",
            inviter=actor.name,
            site=site,
            role=invitation.role.label,
        )
    instructions = _(
        "Open this link to choose your password (it works once and expires on "
        "%(date)s at %(time)s UTC):",
        date=localized_date(invitation.expires_dt),
        time=local_time_only(invitation.expires_dt, "UTC"),
    )
    subject = _("You are invited to %(site)s", site=site)
    return subject, f"{greeting}\n\n{invites}\n{instructions}\n\n{link}\n"


def find_invitation(token: str) -> Invitation:
    """The open invitation for this token, or TokenUnusable."""
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    )
    _check_token_row(invitation, "invitation")
    return invitation


def accept_invitation(token: str, *, name: str, password: str) -> User:
    """Create the invited account (bound to the invitation's email and partner)."""
    from coordinator.accounts.admin import create_user

    invitation = find_invitation(token)
    problem = password_problem(password)
    if problem:
        raise DomainError(problem, field="password")
    if find_user_by_email(invitation.email) is not None:
        raise TokenUnusable(_("An account with this email already exists. Sign in instead."))
    if invitation.partner is not None and not invitation.partner.is_active:
        raise TokenUnusable(_("The partner of this invitation has been deactivated."))
    _claim(Invitation, invitation.id)
    user = create_user(
        email=invitation.email,
        name=name,
        role=invitation.role,
        partner=invitation.partner,
        password=password,
    )
    record(
        actor=user,
        subject_type="user",
        subject_id=user.id,
        action="accept_invitation",
        details={"invitation_id": invitation.id},
    )
    return user


# --- Password reset --------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address belongs to an active account; say nothing either way.

    An unknown (or deactivated) address costs the same work, so the answer's timing does not
    tell which addresses have accounts: the token is made and hashed, the link built, the
    message composed and written to the database; only then is that write undone."""
    user = find_user_by_email(email)
    recipient = user if user is not None and user.is_enabled else None
    token, token_hash = new_token_and_hash()
    lifetime = timedelta(seconds=current_app.config["PASSWORD_RESET_LIFETIME_SECONDS"])
    link = absolute_url("accounts.reset_password", token=token)
    # The recipient's saved language; without one, the language of the page they asked from.
    language = locale_for(recipient) if recipient and recipient.locale else str(get_locale())
    subject, body = _reset_message(recipient.name if recipient else "", link, lifetime, language)
    if recipient is None:
        with db.session.begin_nested() as savepoint:
            # What queue_mail writes, but never sent: nobody is behind this address.
            db.session.add(
                OutgoingMessage(
                    recipient=normalise_email(email)[:254], subject=subject, body_text=body
                )
            )
            db.session.flush()
            savepoint.rollback()
        return
    reset = PasswordResetToken(
        user=recipient, token_hash=token_hash, expires_dt=utcnow() + lifetime
    )
    db.session.add(reset)
    db.session.flush()
    queue_mail(
        recipient.email,
        subject,
        body,
        user=recipient,
        kind="password_reset",
        link_id=reset.id,
        expires_dt=reset.expires_dt,
    )


def _reset_message(name: str, link: str, lifetime: timedelta, language: str) -> tuple[str, str]:
    """Subject and body of a password reset message, in the given language."""
    minutes = int(lifetime.total_seconds() // 60)
    with force_locale(language):
        subject = _("Reset your %(site)s password", site=current_app.config["SITE_NAME"])
        body = "\n".join(
            [
                _("Hello %(name)s,", name=name),
                "",
                _("Someone (hopefully you) asked to reset your password."),
                _(
                    "Open this link within %(minutes)s minutes to choose a new one:",
                    minutes=minutes,
                ),
                "",
                link,
                "",
                _(
                    "If you did not ask for this, ignore this message: your password stays as it is."  # noqa: E501
                ),
                "",
            ]
        )
    return subject, body


def find_reset_token(token: str) -> PasswordResetToken:
    reset = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == hash_token(token))
    )
    _check_token_row(reset, "password_reset")
    if not reset.user.is_enabled:
        raise TokenUnusable(_("This account is deactivated."))
    return reset


def reset_password(token: str, password: str) -> User:
    """Set a new password through a reset link; every other session is signed out."""
    reset = find_reset_token(token)
    problem = password_problem(password)
    if problem:
        raise DomainError(problem, field="password")
    _claim(PasswordResetToken, reset.id)
    # Any other link still open for this account dies with this one.
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == reset.user_id, PasswordResetToken.used_dt.is_(None))
        .values(used_dt=utcnow())
        .execution_options(synchronize_session=False)
    )
    user = reset.user
    set_password(user, password)
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == user.email))
    record(actor=user, subject_type="user", subject_id=user.id, action="reset_password")
    return user


# --- Links waiting in the mail queue --------------------------------------------------
# Mail asks these before sending (or resending) a message with a link: a link that can no
# longer be used is not sent, and staff see why. Expiry mail checks itself (expires_dt).


def _invitation_link_problem(invitation_id: int) -> str | None:
    """Why this invitation's link can no longer be used (operator's English), or None."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        return "the invitation no longer exists."
    if invitation.used_dt is not None:
        return "the invitation was accepted, or replaced by a newer one."
    if find_user_by_email(invitation.email) is not None:
        return "an account with this email already exists."
    if invitation.partner is not None and not invitation.partner.is_active:
        return "the partner of this invitation has been deactivated."
    return None


def _reset_link_problem(reset_id: int) -> str | None:
    """Why this password-reset link can no longer be used (operator's English), or None."""
    reset = db.session.get(PasswordResetToken, reset_id)
    if reset is None:
        return "the password reset link no longer exists."
    if reset.used_dt is not None:
        return "the password reset link was used, or the password was reset with another link."
    if not reset.user.is_enabled:
        return "the account is deactivated."
    return None


register_link_check("invitation", _invitation_link_problem)
register_link_check("password_reset", _reset_link_problem)


# --- Profile ---------------------------------------------------------------------------


def update_profile(user: User, *, name: str) -> None:
    """Change the display name."""
    user.name = validated_name(name)


def save_user_locale(user: User, language: str) -> None:
    """Remember a signed-in user's language (the view commits)."""
    user.locale = language
    db.session.flush()


def change_password(user: User, *, current_password: str, new_password: str) -> None:
    """Change the password after checking the current one; other sessions are signed out."""
    if not verify_password(user.password_hash, current_password):
        raise DomainError(_("Your current password is not right."), field="current_password")
    problem = password_problem(new_password)
    if problem:
        raise DomainError(problem, field="new_password")
    set_password(user, new_password)
    record(actor=user, subject_type="user", subject_id=user.id, action="change_password")


# --- Staff: deactivation ---------------------------------------------------------------


def deactivate_user(actor: User, target: User) -> None:
    """Disable an account, kill all its sessions and revoke its private feeds: a feed URL
    copied into a shared calendar must not come back to life if the account is reactivated."""
    from coordinator.accounts.permissions import can_change_user

    if not can_change_user(actor, target):
        raise PermissionDenied(_("You may not change this account."))
    if not target.is_enabled:
        raise DomainError(_("This account is already deactivated."))
    target.is_enabled = False
    target.rotate_session_nonce()
    # Modules holding the user's credentials (feeds: private feed tokens) revoke them and
    # report what they did, for the audit entry.
    details: dict = {}
    for _receiver, revoked in user_deactivated.send(target):
        details.update(revoked or {})
    record(
        actor=actor,
        subject_type="user",
        subject_id=target.id,
        action="deactivate",
        from_state="active",
        to_state="deactivated",
        details=details,
    )


def reactivate_user(actor: User, target: User) -> None:
    """Enable a deactivated account again (its old sessions stay dead)."""
    from coordinator.accounts.permissions import can_change_user

    if not can_change_user(actor, target):
        raise PermissionDenied(_("You may not change this account."))
    if target.is_enabled:
        raise DomainError(_("This account is already active."))
    target.is_enabled = True
    record(
        actor=actor,
        subject_type="user",
        subject_id=target.id,
        action="reactivate",
        from_state="deactivated",
        to_state="active",
    )


def validated_name(name: str) -> str:
    """A person's name: 1 to 200 printable characters, outer spaces removed."""
    name = (name or "").strip()
    if not name or has_control_characters(name) or len(name) > 200:
        raise DomainError(_("Give a name of 1 to 200 printable characters."), field="name")
    return name


def validated_email(email: str) -> str:
    """The account rule for an address: valid syntax, normalised (one account per address)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return normalise_email(validate_email(email, check_deliverability=False).normalized)
    except EmailNotValidError as error:
        raise DomainError(_("Invalid email: %(reason)s", reason=error), field="email") from error
