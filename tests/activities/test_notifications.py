"""Who is told what: staff on submissions, the proposer's side and co-organisers on decisions."""

from __future__ import annotations

import pytest

from coordinator.activities import services
from coordinator.activities.models import Confirmation, Status
from coordinator.activities.workflow import Action
from coordinator.errors import DomainError
from coordinator.extensions import db
from tests import factories
from tests.activities.helpers import Cast, outbox, recipients


def test_submission_tells_staff_and_asks_co_organisers(app):
    cast = Cast()
    disabled_staff = factories.UserFactory(role="staff", is_enabled=False)
    second_lead = factories.UserFactory(role="focal_point", partner=cast.lead_partner)
    event = cast.event(Status.DRAFT)
    services.transition(cast.lead, event, Action.SUBMIT)
    assert recipients("Proposal submitted") == {cast.staff.email, cast.admin.email}
    assert disabled_staff.email not in recipients()
    assert recipients("Co-organise") == {cast.co_organiser.email}
    assert second_lead.email not in recipients()
    assert cast.unrelated.email not in recipients()
    assert event.partner_links[0].invited_dt is not None


def test_resubmission_tells_staff_again_but_does_not_ask_co_organisers_twice(app):
    cast = Cast()
    event = cast.event(Status.DRAFT)
    services.transition(cast.lead, event, Action.SUBMIT)
    services.transition(cast.staff, event, Action.REQUEST_CHANGES, "Please add the venue.")
    before = len(outbox())
    services.transition(cast.lead, event, Action.SUBMIT)
    new = outbox()[before:]
    assert {m.recipient for m in new} == {cast.staff.email, cast.admin.email}
    assert all("resubmitted" in m.subject for m in new)


def test_decisions_reach_the_lead_partner_and_co_organisers_with_the_comment(app):
    cast = Cast()
    colleague = factories.UserFactory(role="focal_point", partner=cast.lead_partner)
    event = cast.event(Status.SUBMITTED)
    services.transition(
        cast.staff, event, Action.REQUEST_CHANGES, "Add the registration link, please."
    )
    messages = [m for m in outbox() if "Changes requested" in m.subject]
    assert {m.recipient for m in messages} == {
        cast.lead.email,
        colleague.email,
        cast.co_organiser.email,
    }
    assert all("Add the registration link, please." in m.body_text for m in messages)
    assert all(f"/events/{event.id}/manage" in m.body_text for m in messages)


def test_declined_co_organisers_are_not_told_of_decisions(app):
    cast = Cast()
    event = cast.event(Status.SUBMITTED)
    event.partner_links[0].confirmation = Confirmation.DECLINED
    db.session.flush()
    services.transition(cast.staff, event, Action.APPROVE)
    assert recipients("Approved") == {cast.lead.email}


def test_cancellation_tells_everyone_involved_with_the_reason(app):
    cast = Cast()
    event = cast.event(Status.APPROVED)
    services.transition(cast.staff, event, Action.CANCEL, "The venue is closed.")
    cancelled = [m for m in outbox() if m.subject.startswith("Cancelled")]
    assert {m.recipient for m in cancelled} == {cast.lead.email, cast.co_organiser.email}
    assert all("The venue is closed." in m.body_text for m in cancelled)


def test_withdrawing_a_draft_tells_nobody_but_a_submitted_one_tells_staff(app):
    cast = Cast()
    services.transition(cast.lead, cast.event(Status.DRAFT), Action.WITHDRAW)
    assert outbox() == []
    services.transition(cast.lead, cast.event(Status.SUBMITTED), Action.WITHDRAW)
    assert recipients("Proposal withdrawn") == {cast.staff.email, cast.admin.email}


def test_refused_actions_queue_no_mail(app):
    cast = Cast()
    event = cast.event(Status.SUBMITTED)
    with pytest.raises(DomainError):
        services.transition(cast.lead, event, Action.APPROVE)
    db.session.rollback()
    assert outbox() == []


def test_co_organiser_answer_tells_the_lead(app):
    cast = Cast()
    event = cast.event(Status.SUBMITTED)
    services.answer_co_organisation(cast.co_organiser, event, confirm=True)
    assert recipients("confirmed") == {cast.lead.email}
