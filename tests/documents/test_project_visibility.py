"""Who sees a project and who sees its documents is one rule (activities' can_view_project).

Before, staff were refused a draft project's page but shown its documents.
"""

from __future__ import annotations

import pytest

from coordinator.activities.models import Status
from coordinator.activities.permissions import can_view_project
from coordinator.documents import permissions, queries
from coordinator.documents.models import DocumentVisibility
from coordinator.extensions import db
from tests import factories

ROLES = ["anonymous", "lead_fp", "confirmed_fp", "pending_fp", "unrelated_fp", "staff"]
UNPUBLISHED = [Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED, Status.WITHDRAWN]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", [*UNPUBLISHED, Status.APPROVED])
def test_the_project_page_and_its_documents_give_the_same_answer(
    client, login_as, network, attach, role, status
):
    project = network.project
    document = attach(project, network.lead_fp, DocumentVisibility.PUBLIC, title="Budget plan")
    factories.set_status(project, status)
    db.session.commit()
    user = network.user(role)

    may_see_project = can_view_project(user, project)
    assert permissions.can_view_subject(user, project) is may_see_project
    assert permissions.can_view(user, document) is may_see_project
    listed = [listed.id for listed in queries.visible_documents(user, project)]
    assert (document.id in listed) is may_see_project

    if user is not None:
        login_as(user)
    page = client.get(f"/projects/{project.slug}")
    documents_page = client.get(f"/projects/{project.slug}/documents")
    download = client.get(f"/documents/{document.id}/download")
    assert page.status_code == (200 if may_see_project else 404)
    assert documents_page.status_code == (200 if may_see_project else 404)
    assert download.status_code == (200 if may_see_project else 404)


@pytest.mark.parametrize("status", UNPUBLISHED)
def test_staff_see_neither_a_draft_project_nor_its_documents_but_do_once_submitted(
    network, attach, status
):
    project = network.project
    document = attach(project, network.lead_fp, DocumentVisibility.PARTNERS, title="Budget plan")
    factories.set_status(project, status)
    db.session.commit()
    expected = status != Status.DRAFT
    assert can_view_project(network.staff, project) is expected
    assert permissions.can_view(network.staff, document) is expected
