"""Fixtures for the documents tests: a network with every role around one event, project
and partner, and a helper that attaches a real file through the service."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from coordinator.activities.models import Confirmation, ProjectPartner
from coordinator.documents import services
from coordinator.documents.models import Document, DocumentVisibility
from coordinator.documents.storage import get_storage
from coordinator.extensions import db
from tests import factories
from tests.documents import samples


@dataclass
class Network:
    lead: object  # partners
    confirmed: object
    pending: object
    unrelated: object
    lead_fp: object  # their focal points
    confirmed_fp: object
    pending_fp: object
    unrelated_fp: object
    staff: object
    event: object
    project: object

    def subject(self, kind: str):
        return {"event": self.event, "project": self.project, "partner": self.lead}[kind]

    def user(self, role: str):
        return None if role == "anonymous" else getattr(self, role)


@pytest.fixture
def network(app) -> Network:
    lead, confirmed, pending, unrelated = (factories.PartnerFactory() for _ in range(4))
    event = factories.EventFactory(lead_partner=lead)
    factories.EventPartnerFactory(
        event=event, partner=confirmed, confirmation=Confirmation.CONFIRMED
    )
    factories.EventPartnerFactory(event=event, partner=pending, confirmation=Confirmation.PENDING)
    project = factories.ProjectFactory(lead_partner=lead)
    db.session.add_all(
        [
            ProjectPartner(project=project, partner=confirmed, confirmation=Confirmation.CONFIRMED),
            ProjectPartner(project=project, partner=pending, confirmation=Confirmation.PENDING),
        ]
    )
    fps = [
        factories.UserFactory(role="focal_point", partner=p)
        for p in (lead, confirmed, pending, unrelated)
    ]
    staff = factories.UserFactory(role="staff")
    db.session.flush()
    return Network(lead, confirmed, pending, unrelated, *fps, staff, event, project)


@pytest.fixture
def attach(app):
    """attach(subject, user, visibility, content=..., filename=...) -> Document (committed)."""

    def _attach(
        subject,
        user,
        visibility: DocumentVisibility | str = DocumentVisibility.PARTNERS,
        *,
        content: bytes | None = None,
        filename: str = "agenda.pdf",
        title: str = "",
    ) -> Document:
        document = services.create_document(
            subject=subject,
            user=user,
            title=title or f"{DocumentVisibility(visibility).value} document",
            description="",
            visibility=DocumentVisibility(visibility),
            filename=filename,
            stream=io.BytesIO(content if content is not None else samples.pdf(title or filename)),
            storage=get_storage(),
        )
        db.session.commit()
        return document

    return _attach


def upload_data(content: bytes, filename: str, **fields) -> dict:
    return {"file": (io.BytesIO(content), filename), **fields}
