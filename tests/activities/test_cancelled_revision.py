"""A revision of a cancelled event is closed with the cancellation and waits nowhere.

Before, the staff dashboard listed such a revision as waiting, the review queue did not, and
no one could decide it. Now one query (awaiting_review) feeds both, the cancel transition
closes the revision with an audit entry, and a migration closes the ones left pending.
"""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import select

from coordinator.activities import services
from coordinator.activities.models import EventRevision, RevisionStatus, Status
from coordinator.activities.permissions import can_decide_revision
from coordinator.activities.proposals import awaiting_review, review_queue
from coordinator.audit.models import AuditEntry
from coordinator.extensions import db
from coordinator.insight.dashboard import waiting_for_review
from tests.activities.helpers import Cast

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


@pytest.fixture
def cast(app):
    return Cast()


def _pending_revision(event, title="Water forum 2031"):
    revision = EventRevision(event=event, proposer_id=event.proposer_id, data={"title": title})
    db.session.add(revision)
    db.session.flush()
    return revision


def _listed_pages(client, login_as, staff) -> tuple[str, str]:
    login_as(staff)
    dashboard = client.get("/staff/").get_data(as_text=True)
    queue = client.get("/review/").get_data(as_text=True)
    return dashboard.split('id="waiting-heading"')[1].split("</section>")[0], queue


def test_a_pending_revision_of_a_published_event_is_listed_by_both(client, login_as, cast):
    event = cast.event(Status.APPROVED, title="Water forum")
    revision = _pending_revision(event)
    db.session.commit()
    assert [item.revision for item in awaiting_review(limit=50).items] == [revision]
    assert [item.kind for item in waiting_for_review(datetime.now(UTC))] == ["revision"]
    dashboard, queue = _listed_pages(client, login_as, cast.staff)
    assert "Water forum" in dashboard and "Water forum" in queue


@pytest.mark.parametrize("canceller", ["lead", "staff"])
def test_cancelling_closes_the_pending_revision_in_the_same_transition(
    client, login_as, cast, canceller
):
    event = cast.event(Status.APPROVED, title="Water forum")
    revision = _pending_revision(event)
    db.session.commit()

    services.transition(cast.user(canceller), event, services.Action.CANCEL, "Venue flooded")
    db.session.commit()

    db.session.refresh(revision)
    assert event.status == Status.CANCELLED
    assert revision.status == RevisionStatus.CLOSED
    assert revision.decided_by_id == cast.user(canceller).id
    assert revision.decided_dt == event.cancelled_dt
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "revision_closed")
    ).one()
    assert (entry.subject_type, entry.subject_id) == ("event", event.id)
    assert entry.details["revision_id"] == revision.id
    assert entry.actor_id == cast.user(canceller).id
    assert not can_decide_revision(cast.staff, revision)

    assert awaiting_review(limit=50).items == []
    assert review_queue([], None, None).items == []
    assert waiting_for_review(datetime.now(UTC)).items == []
    dashboard, queue = _listed_pages(client, login_as, cast.staff)
    assert "Water forum" not in dashboard and "Water forum" not in queue


def test_cancelling_an_event_without_a_pending_revision_closes_nothing(cast):
    event = cast.event(Status.APPROVED)
    decided = _pending_revision(event)
    decided.status = RevisionStatus.REJECTED
    db.session.commit()
    services.transition(cast.staff, event, services.Action.CANCEL, "Venue flooded")
    db.session.commit()
    db.session.refresh(decided)
    assert decided.status == RevisionStatus.REJECTED
    assert (
        db.session.scalars(select(AuditEntry).where(AuditEntry.action == "revision_closed")).all()
        == []
    )


def _upgrade_with(filename_part: str) -> None:
    """Run one migration's upgrade() on the test database, as `flask db upgrade` would."""
    (path,) = MIGRATIONS.glob(f"*{filename_part}*.py")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    connection = db.session.connection()
    with Operations.context(MigrationContext.configure(connection)):
        module.upgrade()
    db.session.commit()


def test_the_migration_closes_revisions_left_pending_by_earlier_cancellations(
    client, login_as, cast
):
    cancelled_dt = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    # What an earlier cancellation left behind: a cancelled event and its pending revision.
    stranded_event = cast.event(
        Status.CANCELLED, title="Stranded forum", cancelled_dt=cancelled_dt, cancel_reason="Flood"
    )
    stranded = _pending_revision(stranded_event, title="Stranded forum 2031")
    live_event = cast.event(Status.APPROVED, title="Live forum")
    live = _pending_revision(live_event, title="Live forum 2031")
    live.created_dt = cancelled_dt - timedelta(days=1)
    db.session.commit()

    _upgrade_with("close_pending_revisions_of_cancelled_events")

    db.session.expire_all()
    assert db.session.get(EventRevision, stranded.id).status == RevisionStatus.CLOSED
    assert db.session.get(EventRevision, stranded.id).decided_dt == cancelled_dt
    assert db.session.get(EventRevision, live.id).status == RevisionStatus.PENDING
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "revision_closed")
    ).one()
    assert (entry.subject_id, entry.details["revision_id"]) == (stranded_event.id, stranded.id)
    assert [item.revision.id for item in awaiting_review(limit=50).items] == [live.id]
    dashboard, queue = _listed_pages(client, login_as, cast.staff)
    assert "Stranded forum" not in dashboard and "Stranded forum" not in queue
    assert "Live forum" in dashboard and "Live forum" in queue
