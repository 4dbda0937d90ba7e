"""Named partners confirm or decline; public pages credit only confirmed ones."""

from __future__ import annotations

import pytest

from coordinator.activities import services
from coordinator.activities.models import Confirmation, Status
from coordinator.errors import ConflictError
from coordinator.extensions import db
from tests.activities.helpers import Cast, audit_count


def test_confirm_then_decline(app, client, login_as):
    cast = Cast()
    event = cast.event(Status.SUBMITTED)
    login_as(cast.co_organiser)
    html = client.get(f"/events/{event.id}/manage").get_data(as_text=True)
    assert "Confirm co-organising" in html
    response = client.post(f"/events/{event.id}/co-organiser/confirm")
    assert response.status_code == 302
    link = event.partner_links[0]
    db.session.refresh(link)
    assert link.confirmation == Confirmation.CONFIRMED
    assert link.responded_by_id == cast.co_organiser.id and link.responded_dt is not None
    assert event.confirmed_partners == [cast.co_partner]

    client.post(f"/events/{event.id}/co-organiser/decline")
    db.session.refresh(link)
    assert link.confirmation == Confirmation.DECLINED
    assert (
        audit_count(subject_type="event", subject_id=event.id, action="co_organiser_confirmed") == 1
    )
    assert (
        audit_count(subject_type="event", subject_id=event.id, action="co_organiser_declined") == 1
    )


def test_answering_twice_the_same_is_a_conflict(app):
    cast = Cast()
    event = cast.event(Status.SUBMITTED)
    services.answer_co_organisation(cast.co_organiser, event, True)
    with pytest.raises(ConflictError):
        services.answer_co_organisation(cast.co_organiser, event, True)


@pytest.mark.parametrize("role", ["lead", "unrelated", "staff", "admin"])
def test_only_named_partners_answer(app, client, login_as, role):
    cast = Cast()
    event = cast.event(Status.SUBMITTED)
    login_as(cast.user(role))
    response = client.post(f"/events/{event.id}/co-organiser/confirm")
    assert response.status_code == (404 if role == "unrelated" else 403)
    assert event.partner_links[0].confirmation == Confirmation.PENDING


@pytest.mark.parametrize(
    "status", [Status.DRAFT, Status.REJECTED, Status.WITHDRAWN, Status.CANCELLED]
)
def test_no_answers_outside_the_live_states(app, status):
    cast = Cast()
    event = cast.event(status)
    # A draft is not theirs to see yet; an ended activity was decided (409), not refused.
    expected = services.NotVisible if status == Status.DRAFT else ConflictError
    with pytest.raises(expected):
        services.answer_co_organisation(cast.co_organiser, event, True)


def test_staff_see_each_confirmation_at_review_time(app, client, login_as):
    cast = Cast()
    event = cast.event(Status.SUBMITTED)
    services.answer_co_organisation(cast.co_organiser, event, False)
    db.session.commit()
    login_as(cast.staff)
    html = client.get(f"/events/{event.id}/manage").get_data(as_text=True)
    assert f'data-testid="confirmation-{cast.co_partner.slug}"' in html
    assert "Declined" in html
    queue = client.get("/review/").get_data(as_text=True)
    assert f"<bdi>{cast.co_partner.acronym}</bdi>: declined" in queue


def test_co_organiser_requests_appear_in_my_activities(app, client, login_as):
    cast = Cast()
    event = cast.event(Status.SUBMITTED)
    login_as(cast.co_organiser)
    html = client.get("/my/activities").get_data(as_text=True)
    assert f'data-testid="request-event-{event.id}"' in html
    services.answer_co_organisation(cast.co_organiser, event, True)
    db.session.commit()
    html = client.get("/my/activities").get_data(as_text=True)
    assert f'data-testid="request-event-{event.id}"' not in html
    assert "Events you co-organise" in html
