"""Private feed tokens: the secret URLs of feeds that show network-only events too."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from coordinator.accounts.services import user_deactivated
from coordinator.db import utcnow
from coordinator.errors import DomainError, PermissionDenied
from coordinator.extensions import db
from coordinator.feeds.models import FeedToken
from coordinator.feeds.permissions import can_manage_feed_token
from coordinator.tokens import hash_token, new_token
from coordinator.urls import absolute_url

_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
_TOUCH_EVERY = timedelta(hours=1)


def find_active_token(raw: str) -> FeedToken | None:
    """The live token for a URL, or None (unknown, revoked, malformed, owner disabled)."""
    if not raw or not _TOKEN_SHAPE.match(raw):
        return None
    token = db.session.scalar(select(FeedToken).where(FeedToken.token_hash == hash_token(raw)))
    if token is None or token.is_revoked or not token.owner.is_active:
        return None
    return token


def record_token_use(token: FeedToken, now: datetime | None = None) -> bool:
    """Stamp last use, at most hourly so feed fetches rarely write. True if it changed."""
    now = now or utcnow()
    if token.last_used_dt is not None and now - token.last_used_dt < _TOUCH_EVERY:
        return False
    token.last_used_dt = now
    db.session.flush()
    return True


def user_tokens(user) -> list[FeedToken]:
    return list(
        db.session.scalars(
            select(FeedToken)
            .where(FeedToken.owner_id == user.id, FeedToken.revoked_dt.is_(None))
            .order_by(FeedToken.created_dt, FeedToken.id)
        )
    )


def create_feed_token(user, name: str) -> tuple[FeedToken, str]:
    """A new private feed for the user; returns the row and the token (shown once)."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Give the feed a name."), field="name")
    if len(name) > 100:
        raise DomainError(_("Keep the name under 100 characters."), field="name")
    if len(user_tokens(user)) >= current_app.config["FEED_MAX_TOKENS_PER_USER"]:
        raise DomainError(
            _("You have reached the number of private feeds allowed; revoke one first."),
            field="name",
        )
    raw = new_token()
    token = FeedToken(owner_id=user.id, name=name, token_hash=hash_token(raw))
    db.session.add(token)
    db.session.flush()
    return token, raw


def owned_token(user, token_id: int) -> FeedToken | None:
    token = db.session.get(FeedToken, token_id)
    return token if can_manage_feed_token(user, token) else None


def rotate_feed_token(user, token: FeedToken) -> str:
    """Replace the token (the old URL stops working at once); returns the new one."""
    if not can_manage_feed_token(user, token):
        raise PermissionDenied(_("Not your feed."))
    raw = new_token()
    token.token_hash = hash_token(raw)
    token.rotated_dt = utcnow()
    token.last_used_dt = None
    db.session.flush()
    return raw


def revoke_feed_token(user, token: FeedToken) -> None:
    if not can_manage_feed_token(user, token):
        raise PermissionDenied(_("Not your feed."))
    token.revoked_dt = utcnow()
    db.session.flush()


@user_deactivated.connect
def _revoke_on_deactivation(user) -> dict[str, int]:
    # A feed URL copied into a shared calendar must not come back if the account is reactivated.
    return {"feeds_revoked": revoke_all_feed_tokens(user)}


def revoke_all_feed_tokens(user) -> int:
    """Revoke every live private feed of the user (on deactivation); returns how many."""
    result = db.session.execute(
        update(FeedToken)
        .where(FeedToken.owner_id == user.id, FeedToken.revoked_dt.is_(None))
        .values(revoked_dt=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def private_feed_url(raw: str) -> str:
    return absolute_url("feeds.private_calendar", token=raw)
