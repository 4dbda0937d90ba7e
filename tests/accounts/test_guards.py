"""Single-use links: one consumed meanwhile (by a concurrent request) is refused, on any engine.

The other use commits on a separate connection while this session holds the token row as it
loaded it, unused (tests/concurrency.py): only the conditional UPDATE can refuse it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coordinator.accounts import services
from coordinator.accounts.models import Invitation, PasswordResetToken, Role, User
from coordinator.db import utcnow
from coordinator.extensions import db
from tests import factories
from tests.concurrency import change_behind_the_back, side_effects

NEW_PASSWORD = "a brand new passphrase here"


def _users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_invitation_accepted_meanwhile_is_refused(app, staff, partner):
    token, token_hash = services.new_token_and_hash()
    invitation = Invitation(
        email="invitee@example.org",
        name="Invitee",
        role=Role.FOCAL_POINT,
        partner=partner,
        token_hash=token_hash,
        invited_by=staff,
        expires_dt=utcnow() + timedelta(days=1),
    )
    db.session.add(invitation)
    db.session.commit()
    assert services.find_invitation(token).used_dt is None  # the request loads it, unused
    change_behind_the_back(Invitation, Invitation.id == invitation.id, used_dt=utcnow())
    assert invitation.used_dt is None
    users, before = _users(), side_effects()

    with pytest.raises(services.TokenUnusable) as raised:
        services.accept_invitation(token, name="Second Tab", password=NEW_PASSWORD)

    assert raised.value.status_code == 410
    assert side_effects() == before  # no audit entry, no mail
    assert _users() == users  # no account, even before the rollback
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.email == "invitee@example.org")) is None


def test_password_reset_used_meanwhile_is_refused(app):
    user = factories.UserFactory()
    token, token_hash = services.new_token_and_hash()
    reset = PasswordResetToken(
        user=user, token_hash=token_hash, expires_dt=utcnow() + timedelta(hours=1)
    )
    db.session.add(reset)
    db.session.commit()
    password_hash, nonce = user.password_hash, user.session_nonce
    assert services.find_reset_token(token).used_dt is None  # the request loads it, unused
    change_behind_the_back(PasswordResetToken, PasswordResetToken.id == reset.id, used_dt=utcnow())
    assert reset.used_dt is None
    before = side_effects()

    with pytest.raises(services.TokenUnusable) as raised:
        services.reset_password(token, NEW_PASSWORD)

    assert raised.value.status_code == 410
    assert side_effects() == before
    db.session.flush()
    stored = db.session.execute(
        select(User.password_hash, User.session_nonce).where(User.id == user.id)
    ).one()
    assert tuple(stored) == (password_hash, nonce)  # not changed, even before the rollback
    db.session.rollback()
    db.session.refresh(user)
    assert (user.password_hash, user.session_nonce) == (password_hash, nonce)
