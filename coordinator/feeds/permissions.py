"""Who may manage a private feed token (see its name, rotate it, revoke it)."""

from __future__ import annotations

from coordinator.feeds.models import FeedToken
from coordinator.roles import is_signed_in


def can_manage_feed_token(user, token: FeedToken | None) -> bool:
    """Its owner, while the token is live; a revoked token is gone for everyone."""
    return bool(
        token is not None
        and is_signed_in(user)
        and token.owner_id == user.id
        and not token.is_revoked
    )
