"""Partner A cannot see or touch partner B's drafts: 404 through services and over HTTP."""

from __future__ import annotations

import pytest

from coordinator.activities import services
from coordinator.activities.models import Status
from coordinator.activities.permissions import can_manage_event, can_view_event
from coordinator.activities.services import NotVisible
from coordinator.activities.workflow import Action
from coordinator.extensions import db
from tests import factories
from tests.activities.helpers import event_form_data, project_form_data

UNPUBLISHED = [
    Status.DRAFT,
    Status.SUBMITTED,
    Status.CHANGES_REQUESTED,
    Status.REJECTED,
    Status.WITHDRAWN,
]


@pytest.fixture
def b_event(app, other_partner, other_focal_point):
    return lambda status: factories.EventFactory(
        lead_partner=other_partner, status=status, proposer=other_focal_point
    )


@pytest.mark.parametrize("status", UNPUBLISHED)
def test_services_answer_not_visible_for_another_partners_unpublished_event(
    app, focal_point, b_event, status
):
    event = b_event(status)
    assert not can_view_event(focal_point, event)
    assert not can_manage_event(focal_point, event)
    calls = [
        lambda: services.transition(focal_point, event, Action.SUBMIT),
        lambda: services.transition(focal_point, event, Action.WITHDRAW),
        lambda: services.transition(focal_point, event, Action.CANCEL, "x"),
        lambda: services.edit_event(focal_point, event, {"theme_ids": [], "partner_ids": []}),
        lambda: services.answer_co_organisation(focal_point, event, True),
        lambda: services.load_activity(focal_point, "events", event.id),
    ]
    for call in calls:
        with pytest.raises(NotVisible):
            call()
    assert event.status == status


@pytest.mark.parametrize("status", UNPUBLISHED)
@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/events/{id}/manage"),
        ("get", "/events/{id}/edit"),
        ("post", "/events/{id}/edit"),
        ("post", "/events/{id}/workflow/submit"),
        ("post", "/events/{id}/workflow/withdraw"),
        ("post", "/events/{id}/workflow/cancel"),
        ("post", "/events/{id}/co-organiser/confirm"),
    ],
)
def test_http_answers_404_for_another_partners_unpublished_event(
    client, login_as, focal_point, b_event, status, method, path
):
    event = b_event(status)
    login_as(focal_point)
    response = getattr(client, method)(path.format(id=event.id), data=event_form_data())
    assert response.status_code == 404
    db.session.refresh(event)
    assert event.status == status


def test_drafts_stay_hidden_from_staff_until_submitted(client, login_as, staff, b_event):
    event = b_event(Status.DRAFT)
    login_as(staff)
    assert client.get(f"/events/{event.id}/manage").status_code == 404
    assert event.title not in client.get("/review/").get_data(as_text=True)


def test_my_activities_lists_only_my_partners_activities(
    client, login_as, focal_point, other_partner, b_event
):
    mine = factories.EventFactory(
        lead_partner=focal_point.partner, status=Status.DRAFT, title="Our own draft"
    )
    theirs = b_event(Status.DRAFT)
    theirs.title = "Their secret draft"
    login_as(focal_point)
    html = client.get("/my/activities").get_data(as_text=True)
    assert mine.title in html and "Their secret draft" not in html


def test_another_partners_project_draft_is_404(client, login_as, focal_point, other_focal_point):
    login_as(other_focal_point)
    response = client.post("/projects/new", data=project_form_data())
    assert response.status_code == 302
    project_path = response.headers["Location"]
    project_id = int(project_path.rstrip("/").split("/")[-2])
    client.post("/logout")
    login_as(focal_point)
    assert client.get(project_path).status_code == 404
    assert client.post(f"/projects/{project_id}/workflow/submit").status_code == 404
    assert client.get(f"/projects/{project_id}/edit").status_code == 404


@pytest.mark.parametrize("path", ["/events/new", "/projects/new", "/my/activities"])
def test_staff_do_not_propose_and_have_no_partner_space(client, login_as, staff, path):
    login_as(staff)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("user_fixture", ["focal_point", "other_focal_point"])
def test_only_staff_see_the_review_queue(request, client, login_as, user_fixture):
    login_as(request.getfixturevalue(user_fixture))
    assert client.get("/review/").status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/events/new",
        "/my/activities",
        "/review/",
        "/events/1/manage",
        "/projects/new",
        "/projects/1/manage",
    ],
)
def test_anonymous_users_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
