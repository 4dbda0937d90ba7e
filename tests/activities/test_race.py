"""Eight staff members approve the same proposal at the same instant: exactly one wins."""

from __future__ import annotations

import threading

from coordinator.accounts.models import User
from coordinator.activities import services
from coordinator.activities.models import Event, Status
from coordinator.activities.workflow import Action
from coordinator.errors import ConflictError
from coordinator.extensions import db
from tests import factories
from tests.activities.helpers import Cast, audit_count

THREADS = 8


def _race(app, event_id: int, user_ids: list[int], act) -> list[str]:
    barrier = threading.Barrier(len(user_ids))
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(user_id: int) -> None:
        with app.app_context():  # its own session and connection, real commits
            try:
                barrier.wait(timeout=30)
                user = db.session.get(User, user_id)
                event = db.session.get(Event, event_id)
                act(user, event)
                db.session.commit()
                outcome = "won"
            except ConflictError:
                db.session.rollback()
                outcome = "conflict"
            except Exception as error:  # any other failure is a bug the test must show
                db.session.rollback()
                outcome = f"error: {error!r}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=(uid,)) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_eight_simultaneous_approvals_have_one_winner(app):
    cast = Cast()
    event = cast.event(Status.SUBMITTED)
    reviewers = [factories.UserFactory(role="staff") for _ in range(THREADS)]
    db.session.commit()
    event_id, reviewer_ids = event.id, [r.id for r in reviewers]
    db.session.close()  # the test thread holds no transaction while the workers run

    def approve(user, event):
        services.transition(user, event, Action.APPROVE, "Yes.")

    outcomes = _race(app, event_id, reviewer_ids, approve)

    assert sorted(outcomes) == ["conflict"] * (THREADS - 1) + ["won"]
    assert db.session.get(Event, event_id).status == Status.APPROVED
    assert audit_count(subject_type="event", subject_id=event_id, action="approve") == 1


def test_approve_racing_reject_leaves_one_decision(app):
    cast = Cast()
    event = cast.event(Status.SUBMITTED)
    reviewers = [factories.UserFactory(role="staff") for _ in range(THREADS)]
    db.session.commit()
    event_id, reviewer_ids = event.id, [r.id for r in reviewers]
    db.session.close()

    def decide(user, event):
        if user.id % 2:
            services.transition(user, event, Action.APPROVE, "Yes.")
        else:
            services.transition(user, event, Action.REJECT, "No.")

    outcomes = _race(app, event_id, reviewer_ids, decide)
    assert sorted(outcomes) == ["conflict"] * (THREADS - 1) + ["won"]
    decisions = audit_count(
        subject_type="event", subject_id=event_id, action="approve"
    ) + audit_count(subject_type="event", subject_id=event_id, action="reject")
    assert decisions == 1


def test_eight_simultaneous_revision_approvals_apply_it_once(app):
    cast = Cast()
    event = cast.event(Status.APPROVED, title="Before")
    data = {name: getattr(event, name) for name in services.EVENT_FIELDS}
    data.update(title="After", theme_ids=[], partner_ids=[cast.co_partner.id])
    revision = services.edit_event(cast.lead, event, data)
    reviewers = [factories.UserFactory(role="staff") for _ in range(THREADS)]
    db.session.commit()
    event_id, revision_id = event.id, revision.id
    reviewer_ids = [r.id for r in reviewers]
    db.session.close()

    from coordinator.activities.models import EventRevision

    outcomes = _race(
        app,
        event_id,
        reviewer_ids,
        lambda user, event: services.approve_revision(
            user, db.session.get(EventRevision, revision_id)
        ),
    )
    assert sorted(outcomes) == ["conflict"] * (THREADS - 1) + ["won"]
    event = db.session.get(Event, event_id)
    assert event.title == "After" and event.sequence == 1
    assert audit_count(subject_type="event", subject_id=event_id, action="revision_approved") == 1
