"""Every state × every action × every role, through the services and over HTTP.

The expected outcomes are written out here, independently of the transition table in
coordinator/activities/workflow.py, so a wrong table fails these tests.
"""

from __future__ import annotations

import itertools

import pytest

from coordinator.activities import services
from coordinator.activities.models import Status
from coordinator.activities.workflow import Action
from coordinator.errors import DomainError
from coordinator.extensions import db
from tests.activities.helpers import ROLES, Cast, audit_count

# (action, from state) -> roles allowed; every other combination must be refused.
ALLOWED = {
    (Action.SUBMIT, Status.DRAFT): {"lead"},
    (Action.SUBMIT, Status.CHANGES_REQUESTED): {"lead"},
    (Action.WITHDRAW, Status.DRAFT): {"lead"},
    (Action.WITHDRAW, Status.SUBMITTED): {"lead"},
    (Action.WITHDRAW, Status.CHANGES_REQUESTED): {"lead"},
    (Action.APPROVE, Status.SUBMITTED): {"staff", "admin"},
    (Action.REQUEST_CHANGES, Status.SUBMITTED): {"staff", "admin"},
    (Action.REJECT, Status.SUBMITTED): {"staff", "admin"},
    (Action.CANCEL, Status.APPROVED): {"lead", "staff", "admin"},
}
RESULT = {
    Action.SUBMIT: Status.SUBMITTED,
    Action.WITHDRAW: Status.WITHDRAWN,
    Action.APPROVE: Status.APPROVED,
    Action.REQUEST_CHANGES: Status.CHANGES_REQUESTED,
    Action.REJECT: Status.REJECTED,
    Action.CANCEL: Status.CANCELLED,
}
# A comment for each action (the service ignores it where none is asked for).
COMMENTS = {
    Action.SUBMIT: "",
    Action.WITHDRAW: "",
    Action.APPROVE: "Fine.",
    Action.REQUEST_CHANGES: "Add a venue.",
    Action.REJECT: "Out of scope.",
    Action.CANCEL: "Venue flooded.",
}


# The roles each action is for, whatever the state: when the state does not allow it (someone
# decided already), they get a 409 saying what it is now; everyone else gets a 403.
ACTION_ROLES = {
    Action.SUBMIT: {"lead"},
    Action.WITHDRAW: {"lead"},
    Action.APPROVE: {"staff", "admin"},
    Action.REQUEST_CHANGES: {"staff", "admin"},
    Action.REJECT: {"staff", "admin"},
    Action.CANCEL: {"lead", "staff", "admin"},
}


def may_see_manage_page(role: str, status: Status) -> bool:
    if role == "lead":
        return True
    if role == "unrelated":
        return False
    return status != Status.DRAFT


CASES = list(itertools.product(list(Status), list(Action), ROLES))


def _id(case):
    status, action, role = case
    return f"{status.value}-{action.value}-{role}"


@pytest.mark.parametrize("status,action,role", CASES, ids=[_id(c) for c in CASES])
def test_service_transition(app, status, action, role):
    cast = Cast()
    event = cast.event(status)
    db.session.commit()
    allowed = role in ALLOWED.get((action, status), set())
    if allowed:
        services.transition(cast.user(role), event, action, COMMENTS[action])
        db.session.commit()
        assert event.status == RESULT[action]
        assert audit_count(subject_type="event", subject_id=event.id, action=action.value) == 1
    else:
        with pytest.raises(DomainError) as raised:
            services.transition(cast.user(role), event, action, COMMENTS[action])
        assert raised.value.status_code in (403, 404, 409)
        db.session.rollback()
        db.session.refresh(event)
        assert event.status == status
        assert audit_count(subject_type="event", subject_id=event.id) == 0


@pytest.mark.parametrize("status,action,role", CASES, ids=[_id(c) for c in CASES])
def test_http_transition(app, client, login_as, status, action, role):
    cast = Cast()
    event = cast.event(status)
    login_as(cast.user(role))
    response = client.post(
        f"/events/{event.id}/workflow/{action.slug}", data={"comment": "A reason given."}
    )
    db.session.refresh(event)
    if role in ALLOWED.get((action, status), set()):
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        assert event.status == RESULT[action]
    else:
        if not may_see_manage_page(role, status):
            expected = 404
        elif role in ACTION_ROLES[action]:
            expected = 409
        else:
            expected = 403
        assert response.status_code == expected
        if expected == 409:
            assert "Someone decided this already" in response.get_data(as_text=True)
        assert event.status == status


@pytest.mark.parametrize("role", ROLES)
def test_manage_page_shows_only_the_actions_the_role_may_take(app, client, login_as, role):
    cast = Cast()
    event = cast.event(Status.SUBMITTED)
    login_as(cast.user(role))
    response = client.get(f"/events/{event.id}/manage")
    if role == "unrelated":
        assert response.status_code == 404
        return
    html = response.get_data(as_text=True)
    assert ("Approve and publish" in html) == (role in ("staff", "admin"))
    assert ("Withdraw the proposal" in html) == (role == "lead")
    assert ("Confirm co-organising" in html) == (role == "co_organiser")
    assert "Cancel the event" not in html


@pytest.mark.parametrize("action", [Action.REQUEST_CHANGES, Action.REJECT, Action.CANCEL])
def test_comment_is_required_for_request_changes_reject_and_cancel(app, client, login_as, action):
    cast = Cast()
    event = cast.event(Status.APPROVED if action == Action.CANCEL else Status.SUBMITTED)
    login_as(cast.staff)
    response = client.post(f"/events/{event.id}/workflow/{action.slug}", data={"comment": "  "})
    assert response.status_code == 400
    assert "Please give" in response.get_data(as_text=True)
    db.session.refresh(event)
    assert event.status in (Status.APPROVED, Status.SUBMITTED)
    assert audit_count(subject_type="event", subject_id=event.id) == 0


def test_transitions_stamp_who_and_when(app):
    cast = Cast()
    event = cast.event(Status.DRAFT)
    services.transition(cast.lead, event, Action.SUBMIT)
    assert event.submitted_dt is not None
    services.transition(cast.staff, event, Action.APPROVE, "Welcome.")
    assert event.published_dt is not None and event.review_comment == "Welcome."
    assert event.sequence == 0
    services.transition(cast.lead, event, Action.CANCEL, "Strike at the venue.")
    assert event.cancelled_dt is not None and event.cancel_reason == "Strike at the venue."
    assert event.sequence == 1  # calendars must see the cancellation
    db.session.commit()
    from sqlalchemy import select

    from coordinator.audit.models import AuditEntry

    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.subject_id == event.id).order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.from_state, e.to_state, e.actor_id) for e in entries] == [
        ("submit", "draft", "submitted", cast.lead.id),
        ("approve", "submitted", "approved", cast.staff.id),
        ("cancel", "approved", "cancelled", cast.lead.id),
    ]
    assert entries[2].comment == "Strike at the venue."


def test_unknown_action_is_404(app, client, login_as):
    cast = Cast()
    event = cast.event(Status.SUBMITTED)
    login_as(cast.staff)
    assert client.post(f"/events/{event.id}/workflow/publish-now").status_code == 404
    assert client.get(f"/events/{event.id}/workflow/approve").status_code == 405


@pytest.mark.parametrize("comment", ["x" * 10_000, "bad\x00byte", "bell\x07"])
def test_hostile_comments_are_form_errors(app, client, login_as, comment):
    cast = Cast()
    event = cast.event(Status.SUBMITTED)
    login_as(cast.staff)
    response = client.post(
        f"/events/{event.id}/workflow/request-changes", data={"comment": comment}
    )
    assert response.status_code == 400
    db.session.refresh(event)
    assert event.status == Status.SUBMITTED
