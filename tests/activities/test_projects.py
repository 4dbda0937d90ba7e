"""Joint projects: proposal, edits and the same review cycle as events."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from coordinator.activities.models import Confirmation, Project, Status
from coordinator.extensions import db
from tests import factories
from tests.activities.helpers import audit_count, project_form_data, recipients


@pytest.fixture
def lead(app, partner):
    return factories.UserFactory(role="focal_point", partner=partner)


def test_project_journey(client, login_as, lead, other_partner, other_focal_point, staff):
    theme = factories.ThemeFactory()
    login_as(lead)
    response = client.post(
        "/projects/new",
        data=project_form_data(
            partner_ids=[str(other_partner.id)],
            theme_ids=[str(theme.id)],
            lead_partner_id="999",
            status="approved",
        ),
    )
    assert response.status_code == 302
    project = db.session.scalars(select(Project)).one()
    assert project.status == Status.DRAFT and project.lead_partner_id == lead.partner_id
    assert project.slug == "blue"
    assert (
        client.post(
            f"/projects/{project.id}/edit",
            data=project_form_data(
                title="Blue Cities Network", partner_ids=[str(other_partner.id)]
            ),
        ).status_code
        == 302
    )
    assert client.post(f"/projects/{project.id}/workflow/submit").status_code == 302
    db.session.refresh(project)
    assert project.status == Status.SUBMITTED and project.title == "Blue Cities Network"
    assert staff.email in recipients("Proposal submitted")
    assert other_focal_point.email in recipients("Co-organise")
    assert client.get(f"/projects/{project.id}/edit").status_code == 403
    client.post("/logout")

    login_as(other_focal_point)
    assert client.post(f"/projects/{project.id}/co-organiser/confirm").status_code == 302
    db.session.refresh(project.partner_links[0])
    assert project.partner_links[0].confirmation == Confirmation.CONFIRMED
    client.post("/logout")

    login_as(staff)
    assert (
        client.post(f"/projects/{project.id}/workflow/reject", data={"comment": ""}).status_code
        == 400
    )
    assert client.post(f"/projects/{project.id}/workflow/approve").status_code == 302
    db.session.refresh(project)
    assert project.status == Status.APPROVED and project.published_dt is not None
    assert audit_count(subject_type="project", subject_id=project.id, action="approve") == 1
    assert (
        client.post(
            f"/projects/{project.id}/workflow/cancel", data={"comment": "Funding ended."}
        ).status_code
        == 302
    )
    db.session.refresh(project)
    assert project.status == Status.CANCELLED and project.cancel_reason == "Funding ended."


@pytest.mark.parametrize(
    "overrides",
    [
        {"end_date": "2029-12-31"},
        {"website": "javascript:alert(1)"},
        {"title": ""},
        {"title": "x" * 10_000},
        {"acronym": "A\x00"},
        {"start_date": "not a date"},
        {"partner_ids": "abc"},
    ],
)
def test_bad_project_input_is_a_form_error(client, login_as, lead, overrides):
    login_as(lead)
    response = client.post("/projects/new", data=project_form_data(**overrides))
    assert response.status_code == 400
    assert db.session.scalars(select(Project)).first() is None


def test_slugs_are_unique_and_never_new(client, login_as, lead):
    login_as(lead)
    client.post("/projects/new", data=project_form_data(acronym="", title="New"))
    client.post("/projects/new", data=project_form_data(acronym="", title="New"))
    slugs = sorted(db.session.scalars(select(Project.slug)))
    assert slugs == ["new-2", "new-3"]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    field=st.sampled_from(
        [
            "title",
            "acronym",
            "summary",
            "description",
            "start_date",
            "end_date",
            "website",
            "partner_ids",
            "theme_ids",
        ]
    ),
    value=st.text(max_size=300),
)
def test_random_project_input_never_gives_a_500(client, login_as, lead, field, value):
    login_as(lead)
    response = client.post("/projects/new", data=project_form_data(**{field: value}))
    assert response.status_code in (200, 302, 400)
    db.session.rollback()


def test_the_project_manage_page_uses_the_shared_workflow_partial(client, login_as, lead):
    """The one partial serves both kinds: a project's buttons post to the project's routes
    and speak of the project."""
    project = factories.ProjectFactory(lead_partner=lead.partner, status=Status.APPROVED)
    login_as(lead)
    html = client.get(f"/projects/{project.id}/manage").get_data(as_text=True)
    assert 'data-testid="project-status"' in html
    assert f'action="/projects/{project.id}/workflow/cancel"' in html
    assert "Cancel the project" in html and "Cancel the event" not in html
    response = client.post(f"/projects/{project.id}/workflow/cancel", data={"comment": "Ended."})
    assert response.status_code == 302
    html = client.get(f"/projects/{project.id}/manage").get_data(as_text=True)
    assert "This project is cancelled." in html and "Ended." in html
    assert project.cancelled_dt is not None and project.published_dt is not None
