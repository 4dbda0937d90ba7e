"""Idempotency-Key on POST: the first response to (token, key) is stored with the draft it
made, in the same transaction, and a retry gets that response instead of a second draft.

Race-safe on both engines: the key row goes in first with INSERT ... ON CONFLICT DO NOTHING
behind a unique (token_id, key) constraint. A concurrent twin's insert waits for the first
transaction (PostgreSQL's unique index; SQLite's single writer, BEGIN IMMEDIATE), then inserts
nothing, rolls back and replays the stored response.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from coordinator.api.models import IdempotencyKey
from coordinator.errors import ConflictError, DomainError
from coordinator.extensions import db

MAX_KEY_LENGTH = 255


class KeyReused(DomainError):
    """The key came with a different request (422)."""

    status_code = 422


@dataclass
class Outcome:
    status: int
    body: dict[str, Any]
    location: str = ""
    replayed: bool = False


def check_key(raw: str | None) -> str | None:
    """The header's key, or None without one; DomainError(422) for a malformed key."""
    if raw is None:
        return None
    if not 1 <= len(raw) <= MAX_KEY_LENGTH or not all(33 <= ord(ch) <= 126 for ch in raw):
        raise KeyReused(
            "Idempotency-Key must be 1 to 255 visible ASCII characters.", field="Idempotency-Key"
        )
    return raw


def request_fingerprint(method: str, path: str, payload: Any) -> str:
    text = json.dumps([method, path, payload], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _claim(token_id: int, key: str, fingerprint: str) -> bool:
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(IdempotencyKey)
        .values(token_id=token_id, key=key, request_hash=fingerprint, location="")
        .on_conflict_do_nothing(index_elements=["token_id", "key"])
        .returning(IdempotencyKey.id)
    )
    # RETURNING rather than rowcount, which an ORM-enabled INSERT does not report reliably.
    return db.session.execute(statement).scalar() is not None


def run_once(
    token_id: int, key: str | None, fingerprint: str, create: Callable[[], Outcome]
) -> Outcome:
    """create() once per (token, key): its outcome, stored; or the stored one, replayed."""
    if key is None:
        return create()
    if not _claim(token_id, key, fingerprint):
        db.session.rollback()
        stored = db.session.scalar(
            select(IdempotencyKey).where(
                IdempotencyKey.token_id == token_id, IdempotencyKey.key == key
            )
        )
        if stored is None or stored.response is None:
            raise ConflictError("A request with this Idempotency-Key is still being processed.")
        if stored.request_hash != fingerprint:
            raise KeyReused(
                "This Idempotency-Key was used with a different request.",
                field="Idempotency-Key",
            )
        return Outcome(stored.status_code or 201, stored.response, stored.location, True)
    outcome = create()
    db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.token_id == token_id, IdempotencyKey.key == key)
        .values(status_code=outcome.status, response=outcome.body, location=outcome.location)
    )
    return outcome
