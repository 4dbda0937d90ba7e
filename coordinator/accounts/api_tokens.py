"""Personal API tokens: made, listed and revoked by their owner; only their hash is stored."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update

from coordinator.accounts.models import ApiScope, ApiToken
from coordinator.accounts.services import user_deactivated
from coordinator.db import utcnow
from coordinator.errors import DomainError, PermissionDenied
from coordinator.extensions import db
from coordinator.tokens import new_token_and_hash

MAX_TOKENS_PER_USER = 20


def can_manage_api_token(user, token: ApiToken | None) -> bool:
    return token is not None and user is not None and token.owner_id == user.id


def user_api_tokens(user) -> list[ApiToken]:
    """The user's live tokens, oldest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.owner_id == user.id, ApiToken.revoked_dt.is_(None))
            .order_by(ApiToken.created_dt, ApiToken.id)
        )
    )


def owned_api_token(user, token_id: int) -> ApiToken | None:
    token = db.session.get(ApiToken, token_id)
    return token if can_manage_api_token(user, token) and not token.is_revoked else None


def create_api_token(user, name: str, scopes: list[str]) -> tuple[ApiToken, str]:
    """A new token for the user; returns the row and the token itself (shown once)."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Give the token a name."), field="name")
    wanted = [scope.value for scope in ApiScope if scope.value in set(scopes)]
    if not wanted:
        raise DomainError(_("Choose at least one scope."), field="scopes")
    if len(user_api_tokens(user)) >= MAX_TOKENS_PER_USER:
        raise DomainError(
            _("You have reached the number of API tokens allowed; revoke one first."),
            field="name",
        )
    raw, hashed = new_token_and_hash()
    token = ApiToken(owner_id=user.id, name=name[:100], token_hash=hashed, scopes=" ".join(wanted))
    db.session.add(token)
    db.session.flush()
    return token, raw


def revoke_api_token(user, token: ApiToken) -> None:
    if not can_manage_api_token(user, token):
        raise PermissionDenied(_("Not your token."))
    token.revoked_dt = utcnow()
    db.session.flush()


@user_deactivated.connect
def _revoke_on_deactivation(user) -> dict[str, int]:
    # A token copied into a partner's system must not come back if the account is reactivated.
    revoked = db.session.execute(
        update(ApiToken)
        .where(ApiToken.owner_id == user.id, ApiToken.revoked_dt.is_(None))
        .values(revoked_dt=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    return {"api_tokens_revoked": revoked}
