"""Read queries of the documents pages: subjects by their reference, documents with versions."""

from __future__ import annotations

import functools

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import selectinload

from coordinator.activities.models import Event, Project
from coordinator.converters import MAX_ID
from coordinator.documents import permissions
from coordinator.documents.models import Document
from coordinator.extensions import db
from coordinator.partners.models import Partner


def subject_by_ref(kind: str, ref: str) -> Event | Project | Partner | None:
    """The event (by id), project or partner (by slug) a documents URL names, if it exists."""
    if kind == "events":
        return db.session.get(Event, int(ref)) if ref.isdigit() and int(ref) <= MAX_ID else None
    if kind == "projects":
        return db.session.scalar(select(Project).where(Project.slug == ref))
    return db.session.scalar(select(Partner).where(Partner.slug == ref))


def document_with_versions(document_id: int) -> Document | None:
    return db.session.scalar(
        select(Document).where(Document.id == document_id).options(selectinload(Document.versions))
    )


def visible_documents(user, subject, include_deleted: bool = False) -> list[Document]:
    """The subject's documents the user may see, newest first."""
    listed = permissions.listed_documents(user, subject, include_deleted)
    if listed is permissions.ListedDocuments.NONE:
        return []
    statement = _listed_statement(type(subject), listed)
    return list(db.session.scalars(statement, {"subject_id": subject.id}))


@functools.cache
def _listed_statement(kind: type, listed: permissions.ListedDocuments) -> Select:
    """The documents of one subject (bound as subject_id) an audience is shown, newest first.
    Built once per kind of subject and audience: on the pages that show documents, building
    the statement and its cache key cost more than running it."""
    return (
        select(Document)
        .where(
            permissions.subject_column(kind) == bindparam("subject_id"),
            permissions.listed_documents_clause(listed),
        )
        .options(selectinload(Document.versions))
        .order_by(Document.created_dt.desc(), Document.id.desc())
    )
