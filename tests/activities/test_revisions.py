"""Edits of a published event wait as revisions; the approved version stays published."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from coordinator.activities import services
from coordinator.activities.models import EventRevision, RevisionStatus, Status
from coordinator.errors import ConflictError, DomainError, PermissionDenied
from coordinator.extensions import db
from tests import factories
from tests.activities.helpers import Cast, event_form_data, outbox, recipients


@pytest.fixture
def cast(app):
    return Cast()


@pytest.fixture
def published(cast):
    event = cast.event(
        Status.APPROVED,
        title="Water forum",
        start_dt=datetime(2030, 6, 3, 7, 30, tzinfo=UTC),
        end_dt=datetime(2030, 6, 3, 15, 0, tzinfo=UTC),
        city="Marseille",
        venue="Villa Méditerranée",
        languages="en, fr",
        summary="Cities compare how they save water.",
        description="Three sessions, **one** field visit.",
    )
    db.session.commit()
    return event


def _edit(client, event, **overrides):
    data = event_form_data(partner_ids=[str(link.partner_id) for link in event.partner_links])
    data.update(overrides)
    return client.post(f"/events/{event.id}/edit", data=data)


def test_edit_of_published_event_becomes_a_revision(client, login_as, cast, published):
    login_as(cast.lead)
    response = _edit(client, published, title="Water forum 2030", start_time="10:00")
    assert response.status_code == 302
    db.session.refresh(published)
    assert published.title == "Water forum"  # the published version stays
    assert published.status == Status.APPROVED
    revision = db.session.scalars(select(EventRevision)).one()
    assert revision.status == RevisionStatus.PENDING
    assert set(revision.data) == {"title", "start_dt"}
    assert revision.data["title"] == "Water forum 2030"
    assert recipients("Changes proposed") == {cast.staff.email, cast.admin.email}


def test_staff_see_a_field_by_field_diff(client, login_as, cast, published):
    login_as(cast.lead)
    _edit(client, published, title="Water forum 2030", start_time="10:00")
    client.post("/logout")
    login_as(cast.staff)
    html = client.get(f"/events/{published.id}/manage").get_data(as_text=True)
    assert 'data-testid="revision-diff"' in html
    assert '<del dir="auto">Water forum</del>' in html
    assert '<ins dir="auto">Water forum 2030</ins>' in html
    # Times are shown in the event's own zone: 09:30 became 10:00, Paris summer time.
    assert "09:30 CEST" in html and "10:00 CEST" in html
    rows = services.revision_diff(db.session.scalars(select(EventRevision)).one())
    assert [row["field"] for row in rows] == ["title", "start_dt"]


def test_approving_applies_the_changes_and_raises_the_sequence(client, login_as, cast, published):
    login_as(cast.lead)
    _edit(client, published, title="Water forum 2030")
    revision = db.session.scalars(select(EventRevision)).one()
    client.post("/logout")
    login_as(cast.staff)
    response = client.post(f"/revisions/{revision.id}/approve", data={"comment": ""})
    assert response.status_code == 302
    db.session.refresh(published)
    db.session.refresh(revision)
    assert published.title == "Water forum 2030"
    assert published.sequence == 1
    assert revision.status == RevisionStatus.APPROVED and revision.decided_by_id == cast.staff.id
    with pytest.raises(ConflictError):
        services.approve_revision(cast.staff, revision)


@pytest.mark.parametrize(
    "decision,outcome",
    [("reject", RevisionStatus.REJECTED), ("request-changes", RevisionStatus.CHANGES_REQUESTED)],
)
def test_refusing_keeps_the_published_version(client, login_as, cast, published, decision, outcome):
    login_as(cast.lead)
    _edit(client, published, title="Renamed")
    revision = db.session.scalars(select(EventRevision)).one()
    client.post("/logout")
    login_as(cast.staff)
    assert (
        client.post(f"/revisions/{revision.id}/{decision}", data={"comment": ""}).status_code == 400
    )
    response = client.post(
        f"/revisions/{revision.id}/{decision}", data={"comment": "Keep the name."}
    )
    assert response.status_code == 302
    db.session.refresh(published)
    db.session.refresh(revision)
    assert published.title == "Water forum" and published.sequence == 0
    assert revision.status == outcome and revision.review_comment == "Keep the name."
    assert any("Keep the name." in m.body_text for m in outbox() if m.recipient == cast.lead.email)


def test_a_newer_edit_supersedes_the_pending_one(cast, published):
    base = {**_service_data(published), "title": "First idea"}
    first = services.edit_event(cast.lead, published, base)
    second = services.edit_event(cast.lead, published, {**base, "title": "Second idea"})
    assert first.status == RevisionStatus.WITHDRAWN
    assert second.status == RevisionStatus.PENDING
    assert services.pending_revision(published) is second


def test_no_changes_is_an_error(cast, published):
    with pytest.raises(DomainError):
        services.edit_event(cast.lead, published, _service_data(published))


def test_only_staff_decide_revisions(client, login_as, cast, published):
    revision = services.edit_event(cast.lead, published, {**_service_data(published), "title": "X"})
    db.session.commit()
    for role in ("lead", "co_organiser"):
        with pytest.raises(PermissionDenied):
            services.approve_revision(cast.user(role), revision)
    login_as(cast.lead)
    assert client.post(f"/revisions/{revision.id}/approve").status_code == 403
    assert "Approve the changes" not in client.get(f"/events/{published.id}/manage").get_data(
        as_text=True
    )


def test_revision_adding_a_partner_invites_it_on_approval(cast, published):
    newcomer = factories.PartnerFactory()
    newcomer_fp = factories.UserFactory(role="focal_point", partner=newcomer)
    data = _service_data(published)
    data["partner_ids"] = [*data["partner_ids"], newcomer.id]
    revision = services.edit_event(cast.lead, published, data)
    assert revision.data == {"partner_ids": sorted(data["partner_ids"])}
    services.approve_revision(cast.staff, revision)
    assert {link.partner_id for link in published.partner_links} == set(data["partner_ids"])
    assert newcomer_fp.email in recipients("Co-organise")


def _service_data(event) -> dict:
    data = {name: getattr(event, name) for name in services.EVENT_FIELDS}
    data["theme_ids"] = [t.id for t in event.themes]
    data["partner_ids"] = [link.partner_id for link in event.partner_links]
    return data


def _actions_box(html: str) -> str:
    return html.split('id="actions-heading"')[1].split("</section>")[0]


def test_the_revision_decision_leads_the_action_box(client, login_as, cast, published):
    """Staff find the pending changes' decision first in "What you can do", above cancelling,
    and nowhere else on the page."""
    revision = services.edit_event(cast.lead, published, {**_service_data(published), "title": "X"})
    db.session.commit()
    login_as(cast.staff)
    html = client.get(f"/events/{published.id}/manage").get_data(as_text=True)
    actions = _actions_box(html)
    approve = actions.index("Approve the changes")
    assert approve < actions.index("Request changes to the revision")
    assert approve < actions.index("Reject the changes") < actions.index("Cancel the event")
    assert f'action="/revisions/{revision.id}/approve"' in actions
    assert f'formaction="/revisions/{revision.id}/reject"' in actions
    assert html.count("Approve the changes") == 1
    assert 'data-testid="revision-diff"' in html  # the changes themselves stay in the details

    # A comment missing for a rejection: the error shows in the same box, the changes wait.
    response = client.post(f"/revisions/{revision.id}/reject", data={"comment": ""})
    assert response.status_code == 400
    actions = _actions_box(response.get_data(as_text=True))
    assert actions.index('data-testid="action-error"') < actions.index("Approve the changes")
    response = client.post(f"/revisions/{revision.id}/approve", data={"comment": ""})
    assert response.status_code == 302
    actions = _actions_box(client.get(f"/events/{published.id}/manage").get_data(as_text=True))
    assert "Approve the changes" not in actions and "Cancel the event" in actions


def test_the_lead_sees_no_revision_decision_in_its_action_box(client, login_as, cast, published):
    services.edit_event(cast.lead, published, {**_service_data(published), "title": "X"})
    db.session.commit()
    login_as(cast.lead)
    actions = _actions_box(client.get(f"/events/{published.id}/manage").get_data(as_text=True))
    assert "Approve the changes" not in actions and "Propose changes" in actions
