"""Documents where decisions are made: the proposer attaches them to the draft from its workflow
page, and reviewers see every one they may see on the manage page of an event or a project."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from coordinator.activities.models import Confirmation, Status
from coordinator.documents.models import Document, DocumentVisibility
from coordinator.extensions import db
from tests import factories
from tests.documents import samples
from tests.documents.conftest import upload_data


@pytest.fixture
def draft(app):
    """A draft event of `lead` naming `named` as co-organiser, and an unrelated partner."""
    lead, named, unrelated = (factories.PartnerFactory() for _ in range(3))
    event = factories.EventFactory(lead_partner=lead, status=Status.DRAFT, title="Draft forum")
    factories.EventPartnerFactory(event=event, partner=named, confirmation=Confirmation.PENDING)
    users = {
        "lead": factories.UserFactory(role="focal_point", partner=lead),
        "named": factories.UserFactory(role="focal_point", partner=named),
        "unrelated": factories.UserFactory(role="focal_point", partner=unrelated),
        "staff": factories.UserFactory(role="staff"),
    }
    db.session.commit()
    return event, users


def documents_section(html: str) -> str | None:
    match = re.search(r'<div id="documents">(.*?)</section>\s*</div>', html, re.S)
    return match.group(1) if match else None


def submit(event) -> None:
    from datetime import UTC, datetime

    event.status = Status.SUBMITTED
    event.submitted_dt = datetime.now(UTC)
    db.session.commit()


def test_the_drafts_page_has_a_documents_section_for_the_proposer(client, login_as, draft):
    event, users = draft
    login_as(users["lead"])
    html = client.get(f"/events/{event.id}/manage").get_data(as_text=True)
    section = documents_section(html)
    assert section is not None, html
    assert "Documents" in section
    assert f'href="/events/{event.id}/documents/new"' in section


def test_the_proposer_uploads_to_the_draft_and_comes_back_to_it(client, login_as, draft):
    event, users = draft
    login_as(users["lead"])
    response = client.post(
        f"/events/{event.id}/documents/new",
        data=upload_data(samples.pdf("concept"), "concept-note.pdf", visibility="partners"),
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/events/{event.id}/manage#documents")
    document = db.session.scalars(select(Document)).one()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "“concept-note.pdf” was uploaded." in page
    section = documents_section(page)
    assert f'href="/documents/{document.id}"' in section
    assert f'href="/documents/{document.id}/download"' in section
    # The upload page leads back to the draft, not to a public page that does not exist yet.
    upload_page = client.get(f"/events/{event.id}/documents/new").get_data(as_text=True)
    assert f'href="/events/{event.id}/manage#documents"' in upload_page


def test_a_drafts_documents_stay_with_its_partner(client, login_as, draft, attach):
    event, users = draft
    document = attach(event, users["lead"], DocumentVisibility.NETWORK, title="Concept note")
    for role in ("named", "unrelated", "staff"):
        client.post("/logout")
        login_as(users[role])
        assert client.get(f"/events/{event.id}/manage").status_code == 404, role
        assert client.get(f"/documents/{document.id}").status_code == 404, role
        assert client.get(f"/documents/{document.id}/download").status_code == 404, role


def test_staff_see_every_document_of_a_submitted_proposal(client, login_as, draft, attach):
    event, users = draft
    documents = {
        visibility: attach(event, users["lead"], visibility, title=f"{visibility.value} paper")
        for visibility in DocumentVisibility
    }
    submit(event)
    login_as(users["staff"])
    html = client.get(f"/events/{event.id}/manage").get_data(as_text=True)
    section = documents_section(html)
    assert section is not None
    for document in documents.values():
        assert document.title in section
        assert f'href="/documents/{document.id}"' in section
        assert f'href="/documents/{document.id}/download"' in section
    assert (
        client.get(f"/documents/{documents[DocumentVisibility.PARTNERS].id}/download").status_code
        == 200
    )


def test_other_partners_do_not_see_the_partners_only_papers(client, login_as, draft, attach):
    event, users = draft
    private = attach(event, users["lead"], DocumentVisibility.PARTNERS, title="Budget draft")
    shared = attach(event, users["lead"], DocumentVisibility.NETWORK, title="Agenda")
    submit(event)
    # A named co-organiser who has not confirmed sees the workflow page, not the budget.
    login_as(users["named"])
    section = documents_section(client.get(f"/events/{event.id}/manage").get_data(as_text=True))
    assert "Agenda" in section and "Budget draft" not in section
    assert client.get(f"/documents/{private.id}").status_code == 404
    # An unrelated partner does not see the proposal at all.
    client.post("/logout")
    login_as(users["unrelated"])
    assert client.get(f"/events/{event.id}/manage").status_code == 404
    assert client.get(f"/documents/{private.id}").status_code == 404
    assert client.get(f"/documents/{shared.id}").status_code == 404


def test_staff_see_a_projects_documents_on_its_manage_page(client, login_as, attach):
    lead = factories.PartnerFactory()
    focal_point = factories.UserFactory(role="focal_point", partner=lead)
    project = factories.ProjectFactory(lead_partner=lead, status=Status.SUBMITTED)
    staff = factories.UserFactory(role="staff")
    db.session.commit()
    document = attach(project, focal_point, DocumentVisibility.PARTNERS, title="Logframe")
    login_as(staff)
    section = documents_section(client.get(f"/projects/{project.id}/manage").get_data(as_text=True))
    assert section is not None and "Logframe" in section
    assert f'href="/documents/{document.id}/download"' in section


def test_a_published_events_upload_still_opens_the_document(client, login_as, network):
    login_as(network.lead_fp)
    response = client.post(
        f"/events/{network.event.id}/documents/new",
        data=upload_data(samples.pdf(), "agenda.pdf", visibility="public"),
    )
    document = db.session.scalars(select(Document)).one()
    assert response.headers["Location"].endswith(f"/documents/{document.id}")
