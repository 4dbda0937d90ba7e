"""The loser of a race over HTTP: someone decided between the page load and the post.

The loser gets 409 "Someone decided this already" with what the activity (or the changes) is
now and who made it so, never 403 "Not allowed"; the winner's decision stays the only one.
"""

from __future__ import annotations

import pytest

from coordinator.activities import services
from coordinator.activities.models import (
    Confirmation,
    ProjectPartner,
    RevisionStatus,
    Status,
)
from coordinator.activities.workflow import Action
from coordinator.extensions import db
from tests import factories
from tests.activities.helpers import Cast, audit_count

WINNER = "Winnie Firstcome"

# The loser's action, the state both saw, and the winner's action (and whose role it needs).
RACES = [
    (Action.SUBMIT, Status.DRAFT, Action.SUBMIT, "lead"),
    (Action.WITHDRAW, Status.SUBMITTED, Action.APPROVE, "staff"),
    (Action.APPROVE, Status.SUBMITTED, Action.REJECT, "staff"),
    (Action.REQUEST_CHANGES, Status.SUBMITTED, Action.APPROVE, "staff"),
    (Action.REJECT, Status.SUBMITTED, Action.WITHDRAW, "lead"),
    (Action.CANCEL, Status.APPROVED, Action.CANCEL, "staff"),
]
TRANSITION_LABEL = {action: rule.to_state.label for action, rule in services.TRANSITIONS.items()}
LOSER = {
    Action.SUBMIT: "lead",
    Action.WITHDRAW: "lead",
    Action.APPROVE: "staff",
    Action.REQUEST_CHANGES: "staff",
    Action.REJECT: "staff",
    Action.CANCEL: "lead",
}


def _activity(cast: Cast, kind: str, status: Status):
    if kind == "event":
        return cast.event(status)
    project = factories.ProjectFactory(
        lead_partner=cast.lead_partner, status=status, proposer=cast.lead
    )
    db.session.add(
        ProjectPartner(project=project, partner=cast.co_partner, confirmation=Confirmation.PENDING)
    )
    return project


def _winner(cast: Cast, role: str):
    if role == "lead":
        return factories.UserFactory(role="focal_point", partner=cast.lead_partner, name=WINNER)
    return factories.UserFactory(role="staff", name=WINNER)


def _page(kind: str, activity) -> str:
    return f"/{kind}s/{activity.id}/manage"


@pytest.mark.parametrize("kind", ["event", "project"])
@pytest.mark.parametrize(
    "action,seen,winning,winner_role",
    RACES,
    ids=[f"{a.value}-after-{w.value}" for a, _, w, _ in RACES],
)
def test_workflow_loser_gets_409_with_the_current_state(
    app, client, login_as, kind, action, seen, winning, winner_role
):
    cast = Cast()
    activity = _activity(cast, kind, seen)
    winner = _winner(cast, winner_role)
    login_as(cast.user(LOSER[action]))
    page = client.get(_page(kind, activity)).get_data(as_text=True)
    assert f"/workflow/{action.slug}" in page  # the loser's page offers the action

    services.transition(winner, activity, winning, "First come.")
    db.session.commit()
    response = client.post(
        f"/{kind}s/{activity.id}/workflow/{action.slug}", data={"comment": "Second."}
    )

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone decided this already" in html
    assert str(TRANSITION_LABEL[winning]) in html and WINNER in html
    db.session.refresh(activity)
    assert activity.status == services.TRANSITIONS[winning].to_state
    assert audit_count(subject_type=kind, subject_id=activity.id, action=action.value) == (
        1 if action == winning else 0
    )


@pytest.fixture
def revision(app):
    cast = Cast()
    event = cast.event(Status.APPROVED, title="Before")
    data = {name: getattr(event, name) for name in services.EVENT_FIELDS}
    data.update(title="After", theme_ids=[], partner_ids=[cast.co_partner.id])
    revision = services.edit_event(cast.lead, event, data)
    db.session.commit()
    revision.cast = cast
    return revision


@pytest.mark.parametrize("decision", ["approve", "request-changes", "reject"])
def test_revision_loser_gets_409_with_the_decision_made(app, client, login_as, revision, decision):
    cast, event = revision.cast, revision.event
    winner = factories.UserFactory(role="staff", name=WINNER)
    login_as(cast.staff)
    page = client.get(f"/events/{event.id}/manage").get_data(as_text=True)
    assert f"/revisions/{revision.id}/{decision}" in page

    services.approve_revision(winner, revision)
    db.session.commit()
    response = client.post(f"/revisions/{revision.id}/{decision}", data={"comment": "Second."})

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone decided this already" in html
    assert str(RevisionStatus.APPROVED.label) in html and WINNER in html
    db.session.refresh(event)
    assert event.title == "After" and event.sequence == 1
    assert audit_count(subject_type="event", subject_id=event.id, action="revision_approved") == 1


def test_revision_decision_after_the_event_was_cancelled_gets_409(app, client, login_as, revision):
    cast, event = revision.cast, revision.event
    winner = _winner(cast, "lead")
    login_as(cast.staff)
    client.get(f"/events/{event.id}/manage")
    services.transition(winner, event, Action.CANCEL, "Venue flooded.")
    db.session.commit()

    response = client.post(f"/revisions/{revision.id}/approve", data={"comment": ""})

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert str(Status.CANCELLED.label) in html and WINNER in html
    db.session.refresh(event)
    assert event.title == "Before" and event.status == Status.CANCELLED


ANSWER_ROUTES = {
    "event": "/events/{id}/co-organiser/{answer}",
    "project": "/projects/{id}/co-organiser/{answer}",
}


@pytest.mark.parametrize("kind", ["event", "project"])
@pytest.mark.parametrize("answer", ["confirm", "decline"])
def test_co_organiser_loser_gets_409_naming_who_answered(app, client, login_as, kind, answer):
    cast = Cast()
    activity = _activity(cast, kind, Status.SUBMITTED)
    colleague = factories.UserFactory(role="focal_point", partner=cast.co_partner, name=WINNER)
    login_as(cast.co_organiser)
    url = ANSWER_ROUTES[kind].format(id=activity.id, answer=answer)
    assert url in client.get(_page(kind, activity)).get_data(as_text=True)

    services.answer_co_organisation(colleague, activity, answer == "confirm")
    db.session.commit()
    response = client.post(url)

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone decided this already" in html and WINNER in html
    action = "co_organiser_confirmed" if answer == "confirm" else "co_organiser_declined"
    assert audit_count(subject_type=kind, subject_id=activity.id, action=action) == 1


@pytest.mark.parametrize("kind", ["event", "project"])
def test_co_organiser_answer_after_a_withdrawal_gets_409(app, client, login_as, kind):
    cast = Cast()
    activity = _activity(cast, kind, Status.SUBMITTED)
    winner = _winner(cast, "lead")
    login_as(cast.co_organiser)
    url = ANSWER_ROUTES[kind].format(id=activity.id, answer="confirm")
    assert url in client.get(_page(kind, activity)).get_data(as_text=True)

    services.transition(winner, activity, Action.WITHDRAW)
    db.session.commit()
    response = client.post(url)

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert str(Status.WITHDRAWN.label) in html and WINNER in html
    db.session.refresh(activity)
    assert [link.confirmation for link in activity.partner_links] == [Confirmation.PENDING]
