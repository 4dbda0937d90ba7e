"""Every guarded change of events and projects loses cleanly to a change committed meanwhile.

The other party's change is committed on a separate connection while this session still holds
the row as it loaded it (tests/concurrency.py), so these tests do not depend on how an engine
schedules threads: removing `WHERE status = :expected` from a service, or ignoring its row
count, fails them on SQLite as on PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coordinator.activities import services
from coordinator.activities.models import (
    PUBLISHED_STATES,
    SUBMITTED_STATES,
    Confirmation,
    Event,
    EventPartner,
    EventRevision,
    Project,
    ProjectPartner,
    RevisionStatus,
    Status,
)
from coordinator.activities.workflow import TRANSITIONS, Actor
from coordinator.db import utcnow
from coordinator.errors import ConflictError
from coordinator.extensions import db
from tests import factories
from tests.activities.helpers import Cast
from tests.concurrency import change_behind_the_back, side_effects

COMMENT = "A reason given."


def _activity(cast: Cast, kind: str, status: Status) -> Event | Project:
    """An event or project of the cast's lead partner, naming the co-organising partner."""
    if kind == "event":
        return cast.event(status)
    project = factories.ProjectFactory(
        lead_partner=cast.lead_partner, status=status, proposer=cast.lead
    )
    db.session.add(
        ProjectPartner(project=project, partner=cast.co_partner, confirmation=Confirmation.PENDING)
    )
    db.session.flush()
    return project


def _row(model, row_id: int) -> dict:
    """The row as the database has it (a plain SELECT: the session's objects stay as loaded)."""
    table = model.__table__
    return db.session.execute(select(table).where(table.c.id == row_id)).one()._asdict()


def _links(activity) -> list[tuple]:
    return sorted(
        (link.partner_id, link.confirmation, link.responded_by_id, link.invited_dt)
        for link in activity.partner_links
    )


def _moved_to(status: Status) -> dict:
    """The row's values after someone moved it to `status`: the state with the stamps the
    workflow leaves there (the database refuses any other)."""
    now = utcnow()
    values = {
        "status": status,
        "published_dt": now if status in PUBLISHED_STATES else None,
        "cancelled_dt": now if status == Status.CANCELLED else None,
    }
    if status in SUBMITTED_STATES:
        values["submitted_dt"] = now
    return values


# (action, state the actor saw, state someone else moved it to meanwhile): the other party did
# the same action first, or another action open from the same state.
TRANSITION_RACES = [
    (action, seen, competing.to_state)
    for action, rule in TRANSITIONS.items()
    for seen in sorted(rule.from_states)
    for competing in {t.to_state: t for t in TRANSITIONS.values() if seen in t.from_states}.values()
]


@pytest.mark.parametrize("kind", ["event", "project"])
@pytest.mark.parametrize(
    "action,seen,meanwhile",
    TRANSITION_RACES,
    ids=[f"{a.value}-from-{s.value}-now-{m.value}" for a, s, m in TRANSITION_RACES],
)
def test_transition_loses_to_a_change_made_meanwhile(app, kind, action, seen, meanwhile):
    cast = Cast()
    activity = _activity(cast, kind, seen)
    model = type(activity)
    actor = cast.staff if Actor.STAFF in TRANSITIONS[action].actors else cast.lead
    change_behind_the_back(model, model.id == activity.id, **_moved_to(meanwhile))
    assert activity.status == seen  # the session still sees what the actor saw
    committed, links = _row(model, activity.id), _links(activity)
    before = side_effects()

    with pytest.raises(ConflictError) as raised:
        services.transition(actor, activity, action, COMMENT)

    assert "Someone decided this already" in raised.value.message
    assert side_effects() == before  # no audit entry, no notification, even before rollback
    db.session.rollback()
    assert _row(model, activity.id) == committed
    assert _links(activity) == links


def _published_with_revision(cast: Cast) -> tuple[Event, EventRevision]:
    """A published event and a pending revision changing several fields, themes and partners."""
    event = cast.event(Status.APPROVED, title="Before", venue="Old hall")
    new_partner = factories.PartnerFactory()
    theme = factories.ThemeFactory()
    data = {name: getattr(event, name) for name in services.EVENT_FIELDS}
    data.update(
        title="After",
        venue="New hall",
        city="Tunis",
        theme_ids=[theme.id],
        partner_ids=[cast.co_partner.id, new_partner.id],
    )
    revision = services.edit_event(cast.lead, event, data)
    db.session.commit()
    return event, revision


DECISIONS = {
    "approve": lambda actor, revision: services.approve_revision(actor, revision, COMMENT),
    "request_changes": lambda actor, revision: services.request_changes_revision(
        actor, revision, COMMENT
    ),
    "reject": lambda actor, revision: services.reject_revision(actor, revision, COMMENT),
}
DECIDED = [
    RevisionStatus.APPROVED,
    RevisionStatus.CHANGES_REQUESTED,
    RevisionStatus.REJECTED,
    RevisionStatus.WITHDRAWN,
]


@pytest.mark.parametrize("decision", DECISIONS)
@pytest.mark.parametrize("meanwhile", DECIDED, ids=[s.value for s in DECIDED])
def test_revision_decision_loses_to_a_decision_made_meanwhile(app, decision, meanwhile):
    cast = Cast()
    event, revision = _published_with_revision(cast)
    other = factories.UserFactory(role="staff", name="Other Reviewer")
    db.session.flush()
    decided_by = None if meanwhile == RevisionStatus.WITHDRAWN else other.id
    change_behind_the_back(
        EventRevision, EventRevision.id == revision.id, status=meanwhile, decided_by_id=decided_by
    )
    assert revision.status == RevisionStatus.PENDING
    published = services.event_snapshot(event)
    committed = _row(Event, event.id), _row(EventRevision, revision.id)
    before = side_effects()

    with pytest.raises(ConflictError) as raised:
        DECISIONS[decision](cast.staff, revision)

    if decided_by is not None:
        assert "Other Reviewer" in raised.value.message
    assert side_effects() == before
    db.session.rollback()
    assert (_row(Event, event.id), _row(EventRevision, revision.id)) == committed
    db.session.refresh(event)
    # Field by field, the published version is what it was: title, venue, city, themes, partners.
    assert services.event_snapshot(event) == published
    assert event.title == "Before" and event.sequence == 0


def test_revision_approval_loses_to_the_event_cancelled_meanwhile(app):
    cast = Cast()
    event, revision = _published_with_revision(cast)
    change_behind_the_back(Event, Event.id == event.id, **_moved_to(Status.CANCELLED))
    assert event.status == Status.APPROVED
    published = services.event_snapshot(event)
    committed = _row(Event, event.id), _row(EventRevision, revision.id)
    before = side_effects()

    with pytest.raises(ConflictError) as raised:
        services.approve_revision(cast.staff, revision)

    assert "Someone decided this already" in raised.value.message
    assert side_effects() == before
    db.session.rollback()
    assert (_row(Event, event.id), _row(EventRevision, revision.id)) == committed
    assert services.event_snapshot(event) == published


def _link_filter(activity, partner_id: int):
    if isinstance(activity, Event):
        return (EventPartner.event_id == activity.id) & (EventPartner.partner_id == partner_id)
    return (ProjectPartner.project_id == activity.id) & (ProjectPartner.partner_id == partner_id)


@pytest.mark.parametrize("kind", ["event", "project"])
@pytest.mark.parametrize("confirm", [True, False], ids=["confirm", "decline"])
def test_co_organiser_answer_loses_to_the_same_answer_given_meanwhile(app, kind, confirm):
    cast = Cast()
    activity = _activity(cast, kind, Status.SUBMITTED)
    colleague = factories.UserFactory(
        role="focal_point", partner=cast.co_partner, name="Colleague Answering"
    )
    db.session.flush()
    link_model = EventPartner if kind == "event" else ProjectPartner
    answer = Confirmation.CONFIRMED if confirm else Confirmation.DECLINED
    assert activity.partner_links[0].confirmation == Confirmation.PENDING  # loaded, as views do
    change_behind_the_back(
        link_model,
        _link_filter(activity, cast.co_partner.id),
        confirmation=answer,
        responded_by_id=colleague.id,
    )
    assert activity.partner_links[0].confirmation == Confirmation.PENDING
    before = side_effects()

    with pytest.raises(ConflictError) as raised:
        services.answer_co_organisation(cast.co_organiser, activity, confirm)

    assert "Colleague Answering" in raised.value.message
    assert side_effects() == before
    db.session.rollback()
    assert _links(activity) == [(cast.co_partner.id, answer, colleague.id, None)]


# The activity stopped being answerable meanwhile: withdrawn or rejected under review, or
# cancelled once published.
ENDED = [
    (Status.SUBMITTED, Status.WITHDRAWN),
    (Status.SUBMITTED, Status.REJECTED),
    (Status.APPROVED, Status.CANCELLED),
]


@pytest.mark.parametrize("kind", ["event", "project"])
@pytest.mark.parametrize("confirm", [True, False], ids=["confirm", "decline"])
@pytest.mark.parametrize("seen,meanwhile", ENDED, ids=[m.value for _, m in ENDED])
def test_co_organiser_answer_loses_to_the_activity_ending_meanwhile(
    app, kind, confirm, seen, meanwhile
):
    cast = Cast()
    activity = _activity(cast, kind, seen)
    model = type(activity)
    change_behind_the_back(model, model.id == activity.id, **_moved_to(meanwhile))
    assert activity.status == seen
    committed, links = _row(model, activity.id), _links(activity)
    before = side_effects()

    with pytest.raises(ConflictError) as raised:
        services.answer_co_organisation(cast.co_organiser, activity, confirm)

    assert "Someone decided this already" in raised.value.message
    assert side_effects() == before
    db.session.rollback()
    assert _row(model, activity.id) == committed
    assert _links(activity) == links
