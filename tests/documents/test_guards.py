"""Every guarded change of a document loses cleanly to a change committed meanwhile.

The other party commits on a separate connection while this session holds the document as it
loaded it (tests/concurrency.py), so the guard is tested on SQLite as on PostgreSQL.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from coordinator.db import utcnow
from coordinator.documents import services
from coordinator.documents.models import Document, DocumentVersion, DocumentVisibility
from coordinator.documents.storage import get_storage
from coordinator.errors import ConflictError
from coordinator.extensions import db
from tests.concurrency import change_behind_the_back, side_effects
from tests.documents import samples


def _row(document_id: int) -> dict:
    table = Document.__table__
    return db.session.execute(select(table).where(table.c.id == document_id)).one()._asdict()


def _versions(document_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(DocumentVersion.number).where(DocumentVersion.document_id == document_id)
        )
    )


def _loses(document: Document, change) -> None:
    """`change` raises a conflict, writes nothing, and the row stays as the other party left it."""
    committed, versions, before = _row(document.id), _versions(document.id), side_effects()
    with pytest.raises(ConflictError):
        change()
    assert side_effects() == before  # no audit entry, even before the rollback
    db.session.rollback()
    assert _row(document.id) == committed
    assert _versions(document.id) == versions


@pytest.mark.parametrize(
    "meanwhile", [DocumentVisibility.NETWORK, DocumentVisibility.PUBLIC], ids=lambda v: v.value
)
def test_visibility_change_loses_to_another_change_made_meanwhile(network, attach, meanwhile):
    document = attach(network.event, network.lead_fp, DocumentVisibility.PARTNERS)
    change_behind_the_back(Document, Document.id == document.id, visibility=meanwhile)
    assert document.visibility == DocumentVisibility.PARTNERS
    wanted = (
        DocumentVisibility.PUBLIC
        if meanwhile == DocumentVisibility.NETWORK
        else DocumentVisibility.NETWORK
    )
    _loses(
        document,
        lambda: services.change_visibility(
            document=document, user=network.staff, visibility=wanted
        ),
    )


def test_visibility_change_loses_to_a_deletion_made_meanwhile(network, attach):
    document = attach(network.event, network.lead_fp, DocumentVisibility.PARTNERS)
    change_behind_the_back(
        Document, Document.id == document.id, deleted_dt=utcnow(), deleted_by_id=network.staff.id
    )
    assert document.deleted_dt is None
    _loses(
        document,
        lambda: services.change_visibility(
            document=document, user=network.lead_fp, visibility=DocumentVisibility.PUBLIC
        ),
    )


def test_deletion_loses_to_a_deletion_made_meanwhile(network, attach):
    document = attach(network.event, network.lead_fp)
    change_behind_the_back(
        Document, Document.id == document.id, deleted_dt=utcnow(), deleted_by_id=network.staff.id
    )
    _loses(document, lambda: services.delete_document(document=document, user=network.lead_fp))


def test_restore_loses_to_a_restore_made_meanwhile(network, attach):
    document = attach(network.event, network.lead_fp)
    services.delete_document(document=document, user=network.lead_fp)
    db.session.commit()
    assert document.is_deleted
    change_behind_the_back(
        Document, Document.id == document.id, deleted_dt=None, deleted_by_id=None
    )
    _loses(document, lambda: services.restore_document(document=document, user=network.staff))


def test_new_version_loses_to_a_version_added_meanwhile(network, attach):
    document = attach(network.event, network.lead_fp)
    change_behind_the_back(Document, Document.id == document.id, current_version_number=2)
    assert document.current_version_number == 1
    _loses(
        document,
        lambda: services.add_version(
            document=document,
            user=network.lead_fp,
            filename="agenda-v2.pdf",
            stream=io.BytesIO(samples.pdf("second")),
            storage=get_storage(),
        ),
    )
