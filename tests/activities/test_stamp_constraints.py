"""The database refuses an activity whose status and stamps disagree (CHECK constraints).

Runs on the suite's engine: SQLite by default, PostgreSQL with COORDINATOR_DATABASE_URL.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from coordinator.activities.models import Status
from coordinator.extensions import db
from tests import factories

NOW = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
FACTORIES = {"event": factories.EventFactory, "project": factories.ProjectFactory}

# (status, stamps set) pairs that the transition table can leave behind.
CONSISTENT = [
    (Status.DRAFT, ()),
    (Status.WITHDRAWN, ()),
    (Status.WITHDRAWN, ("submitted_dt",)),
    (Status.SUBMITTED, ("submitted_dt",)),
    (Status.CHANGES_REQUESTED, ("submitted_dt",)),
    (Status.REJECTED, ("submitted_dt",)),
    (Status.APPROVED, ("submitted_dt", "published_dt")),
    (Status.CANCELLED, ("submitted_dt", "published_dt", "cancelled_dt")),
]
# ... and pairs it never can: a stamp missing, or one the state cannot have.
INCONSISTENT = [
    (Status.DRAFT, ("submitted_dt",)),
    (Status.SUBMITTED, ()),
    (Status.REJECTED, ()),
    (Status.SUBMITTED, ("submitted_dt", "published_dt")),
    (Status.APPROVED, ("submitted_dt",)),
    (Status.APPROVED, ("published_dt",)),
    (Status.APPROVED, ("submitted_dt", "published_dt", "cancelled_dt")),
    (Status.CANCELLED, ("submitted_dt", "published_dt")),
    (Status.CANCELLED, ("submitted_dt", "cancelled_dt")),
    (Status.WITHDRAWN, ("published_dt",)),
    (Status.REJECTED, ("submitted_dt", "cancelled_dt")),
]
STAMPS = ("submitted_dt", "published_dt", "cancelled_dt")


def _row(kind: str, status: Status, stamps: tuple[str, ...]) -> None:
    values = {name: (NOW if name in stamps else None) for name in STAMPS}
    FACTORIES[kind](status=status, **values)


@pytest.mark.parametrize("kind", FACTORIES)
@pytest.mark.parametrize(("status", "stamps"), CONSISTENT)
def test_consistent_stamps_are_stored(app, kind, status, stamps):
    _row(kind, status, stamps)
    db.session.commit()


@pytest.mark.parametrize("kind", FACTORIES)
@pytest.mark.parametrize(("status", "stamps"), INCONSISTENT)
def test_inconsistent_stamps_are_refused(app, kind, status, stamps):
    with pytest.raises(IntegrityError, match="(?i)check"):
        _row(kind, status, stamps)
    db.session.rollback()


@pytest.mark.parametrize("kind", FACTORIES)
def test_a_status_changed_without_its_stamp_is_refused(app, kind):
    activity = FACTORIES[kind](status=Status.SUBMITTED)
    db.session.commit()
    activity.status = Status.APPROVED  # published_dt left empty
    with pytest.raises(IntegrityError, match="(?i)check"):
        db.session.commit()
    db.session.rollback()
