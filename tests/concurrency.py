"""Engine-independent race tests: another party commits a change while the session still holds
the row as it was loaded, exactly what a concurrent request does between our read and our write.

On SQLite the race tests with threads serialise (one writer at a time), so a missing
`WHERE status = :expected` passes them; these helpers make the stale read deterministic instead.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from coordinator.audit.models import AuditEntry
from coordinator.extensions import db
from coordinator.mail import OutgoingMessage


def change_behind_the_back(model: Any, row_filter: Any, **values: Any) -> None:
    """Commit an UPDATE of `model` rows matching `row_filter` on a separate connection.

    The session first commits what it has without expiring its objects, so they keep the state
    they were loaded with (and, on SQLite, the session's write lock is released)."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
    with db.engine.begin() as connection:
        changed = connection.execute(update(model).where(row_filter).values(**values)).rowcount
    assert changed == 1, f"the other party's change matched {changed} rows"


def side_effects() -> tuple[int, int]:
    """(audit entries, queued messages) as the session sees them, its own flushes included."""
    return (
        db.session.scalar(select(func.count()).select_from(AuditEntry)),
        db.session.scalar(select(func.count()).select_from(OutgoingMessage)),
    )
