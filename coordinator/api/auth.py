"""Who is calling the API: a personal token sent as `Authorization: Bearer`, never the session.

The API ignores the session cookie on purpose: its writes take no CSRF token, so a browser
that is signed in must not be able to write (or read network-only content) through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import request
from sqlalchemy import select, update

from coordinator.accounts.models import ApiScope, ApiToken
from coordinator.db import utcnow
from coordinator.extensions import db
from coordinator.roles import is_signed_in
from coordinator.tokens import hash_token

MAX_TOKEN_LENGTH = 200
CALLER_KEY = "coordinator.api_caller"
LAST_USED_PRECISION = timedelta(minutes=10)


class ApiAuthError(Exception):
    """401 (no usable credentials) or 403 (credentials that may not do this)."""

    def __init__(self, status: int, detail: str, code: str):
        super().__init__(detail)
        self.status, self.detail, self.code = status, detail, code


@dataclass(frozen=True)
class Caller:
    token: ApiToken | None

    @property
    def user(self):
        return self.token.owner if self.token is not None else None

    def reader(self):
        """The user whose view the reads take: the owner with the read scope, else nobody."""
        if self.token is not None and self.token.has_scope(ApiScope.READ):
            return self.token.owner
        return None


def authenticate() -> Caller:
    """The caller of this request (kept in g); ApiAuthError(401) for a token that is malformed,
    unknown, revoked, or whose owner is deactivated."""
    # Kept on the request (not in g, which a test's long-lived app context shares).
    if CALLER_KEY in request.environ:
        return request.environ[CALLER_KEY]
    header = request.headers.get("Authorization")
    if header is None:
        request.environ[CALLER_KEY] = Caller(None)
        return request.environ[CALLER_KEY]
    scheme, _, raw = header.partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw or len(raw) > MAX_TOKEN_LENGTH:
        raise ApiAuthError(
            401, "Send a personal API token as “Authorization: Bearer …”.", "invalid_request"
        )
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.is_revoked or not is_signed_in(token.owner):
        raise ApiAuthError(
            401, "This token is unknown, revoked, or its account is deactivated.", "invalid_token"
        )
    _note_use(token)
    request.environ[CALLER_KEY] = Caller(token)
    return request.environ[CALLER_KEY]


def _note_use(token: ApiToken) -> None:
    """Stamp last use at most every few minutes: a busy client must not turn reads into writes."""
    now = utcnow()
    if token.last_used_dt is None or now - token.last_used_dt > LAST_USED_PRECISION:
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_dt=now))
        db.session.commit()


def require_scope(scope: ApiScope) -> Caller:
    """The caller, who must hold a live token with this scope (401 without one, 403 if the
    token lacks the scope)."""
    caller = authenticate()
    if caller.token is None:
        raise ApiAuthError(401, "This operation needs a personal API token.", "missing_token")
    if not caller.token.has_scope(scope):
        raise ApiAuthError(
            403, f"This token lacks the “{scope.value}” scope.", "insufficient_scope"
        )
    return caller


def rate_limit_key() -> str:
    """Writes are counted per token (the limiter's key)."""
    caller = request.environ.get(CALLER_KEY)
    if caller is not None and caller.token is not None:
        return f"api-token:{caller.token.id}"
    return f"api-address:{request.remote_addr}"
