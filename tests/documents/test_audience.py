"""The audience matrix: visibility × role × subject × list/download/upload/delete.

Roles: anonymous, focal points of the lead partner, of a confirmed co-organiser, of a pending
co-organiser and of an unrelated partner, and staff. For a partner subject the "lead" is the
partner itself; co-organisers mean nothing there. Every document is uploaded by the lead's
focal point, so "uploader's partner" is the lead.
"""

from __future__ import annotations

import pytest

from coordinator.activities.models import Status
from coordinator.documents import permissions, queries
from coordinator.documents.models import DocumentVisibility
from coordinator.extensions import db
from tests.documents import samples
from tests.documents.conftest import upload_data

ROLES = ["anonymous", "lead_fp", "confirmed_fp", "pending_fp", "unrelated_fp", "staff"]
SUBJECTS = ["event", "project", "partner"]
VISIBILITIES = ["public", "network", "partners"]


def expected_view(visibility: str, role: str, subject: str) -> bool:
    if visibility == "public":
        return True
    if visibility == "network":
        return role != "anonymous"
    involved = {"lead_fp", "staff"} | ({"confirmed_fp"} if subject != "partner" else set())
    return role in involved


def expected_upload(role: str, subject: str) -> bool:
    involved = {"lead_fp", "staff"} | ({"confirmed_fp"} if subject != "partner" else set())
    return role in involved


def expected_delete(visibility: str, role: str, subject: str) -> bool:
    return role in {"lead_fp", "staff"} and expected_view(visibility, role, subject)


def subject_path(network, subject: str) -> str:
    return {
        "event": f"/events/{network.event.id}/documents",
        "project": f"/projects/{network.project.slug}/documents",
        "partner": f"/partners/{network.lead.slug}/documents",
    }[subject]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("subject", SUBJECTS)
def test_audience_matrix(client, login_as, network, attach, subject, visibility, role):
    target = network.subject(subject)
    document = attach(target, network.lead_fp, visibility, title=f"Secret plan {visibility}")
    user = network.user(role)
    may_view = expected_view(visibility, role, subject)
    may_upload = expected_upload(role, subject)
    may_delete = expected_delete(visibility, role, subject)

    # The predicates, the documents list query and the HTTP answers agree.
    assert permissions.can_view(user, document) is may_view
    assert permissions.can_upload(user, target) is may_upload
    assert permissions.can_delete(user, document) is may_delete
    listed = [listed.id for listed in queries.visible_documents(user, target)]
    assert (document.id in listed) is may_view

    if user is not None:
        login_as(user)

    page = client.get(subject_path(network, subject))
    assert page.status_code == 200
    assert (f"Secret plan {visibility}" in page.get_data(as_text=True)) is may_view
    # The page hides the upload action from those who may not upload.
    assert (f"{subject_path(network, subject)}/new" in page.get_data(as_text=True)) is may_upload

    download = client.get(f"/documents/{document.id}/download")
    assert download.status_code == (200 if may_view else 404)
    old = client.get(f"/documents/{document.id}/versions/1/download")
    assert old.status_code == (200 if may_view else 404)
    if may_view:
        assert download.data == samples.pdf(f"Secret plan {visibility}")

    new_upload = client.post(
        f"{subject_path(network, subject)}/new",
        data=upload_data(samples.pdf("mine"), "mine.pdf", title="Mine", visibility="network"),
    )
    if role == "anonymous":
        assert new_upload.status_code == 302 and "/login" in new_upload.location
    else:
        assert new_upload.status_code == (302 if may_upload else 403)

    deletion = client.post(f"/documents/{document.id}/delete")
    if role == "anonymous":
        assert deletion.status_code == 302 and "/login" in deletion.location
    elif may_delete:
        assert deletion.status_code == 302
    else:
        assert deletion.status_code == (403 if may_view else 404)
    db.session.refresh(document)
    assert document.is_deleted is (may_delete and role != "anonymous")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED])
def test_a_public_document_on_an_unpublished_event_is_not_public(
    client, login_as, network, attach, role, status
):
    document = attach(
        network.event, network.lead_fp, DocumentVisibility.PUBLIC, title="Draft agenda"
    )
    # Back before publication (and before submission, for a draft): its stamps go too.
    network.event.status, network.event.published_dt = status, None
    if status == Status.DRAFT:
        network.event.submitted_dt = None
    db.session.commit()
    user = network.user(role)
    # Only those who may see the unpublished event itself: its lead; after submission also
    # staff and (confirmed) co-organisers.
    allowed = {"lead_fp"} | (
        {"staff", "confirmed_fp", "pending_fp"} if status == Status.SUBMITTED else set()
    )
    assert permissions.can_view(user, document) is (role in allowed)
    if user is not None:
        login_as(user)
    assert client.get(f"/documents/{document.id}/download").status_code == (
        200 if role in allowed else 404
    )
    listing = client.get(f"/events/{network.event.id}/documents")
    assert listing.status_code == (200 if role in allowed else 404)


def test_a_partners_document_on_an_unpublished_project_stays_with_the_partners(network, attach):
    document = attach(network.project, network.lead_fp, DocumentVisibility.PUBLIC)
    network.project.status, network.project.published_dt = Status.SUBMITTED, None
    db.session.commit()
    assert not permissions.can_view(None, document)
    assert not permissions.can_view(network.unrelated_fp, document)
    # The project page's own rule (can_view_project): named partners see it once submitted,
    # whatever their answer, as for events.
    assert permissions.can_view(network.pending_fp, document)
    assert permissions.can_view(network.confirmed_fp, document)
    assert permissions.can_view(network.staff, document)


def test_a_declined_or_pending_co_organiser_becomes_involved_only_once_confirmed(network, attach):
    from coordinator.activities.models import Confirmation

    document = attach(network.event, network.lead_fp, DocumentVisibility.PARTNERS)
    assert not permissions.can_view(network.pending_fp, document)
    link = next(x for x in network.event.partner_links if x.partner_id == network.pending.id)
    link.confirmation = Confirmation.CONFIRMED
    db.session.commit()
    assert permissions.can_view(network.pending_fp, document)
    assert permissions.can_upload(network.pending_fp, network.event)
