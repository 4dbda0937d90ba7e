"""Who may see and act on documents: the one home of these rules.

Views guard with can_<verb>(), the lists use listed_documents() and its clause, and templates call
the same predicates, so a button is shown exactly when the action would be allowed.
"""

from __future__ import annotations

import enum

from sqlalchemy import ColumnElement, and_, false, true
from sqlalchemy.orm import InstrumentedAttribute

from coordinator.activities.models import Confirmation, Event, Project
from coordinator.activities.permissions import can_view_event, can_view_project
from coordinator.documents.models import Document, DocumentVisibility
from coordinator.partners.models import Partner
from coordinator.roles import is_signed_in as _is_signed_in
from coordinator.roles import is_staff as _is_staff

Subject = Event | Project | Partner


def involved_partner_ids(subject: Subject) -> set[int]:
    """The partners a partners-only document is shared with: the lead and the CONFIRMED
    co-organisers of an event or project, or the partner itself."""
    if isinstance(subject, Partner):
        return {subject.id}
    ids = {subject.lead_partner_id}
    ids.update(
        link.partner_id
        for link in subject.partner_links
        if link.confirmation == Confirmation.CONFIRMED
    )
    return ids


def _is_involved(user, subject: Subject) -> bool:
    return (
        _is_signed_in(user)
        and user.partner_id is not None
        and user.partner_id in involved_partner_ids(subject)
    )


def can_view_subject(user, subject: Subject) -> bool:
    """Documents never reach anyone who may not see what they are attached to: the page's own
    rule decides (so staff see no documents of a draft project they cannot open either)."""
    if isinstance(subject, Event):
        return can_view_event(user, subject)
    if isinstance(subject, Project):
        return can_view_project(user, subject)
    return True  # partner pages are public, inactive partners included


def _audience_allows(user, document: Document, subject: Subject) -> bool:
    if _is_staff(user):
        return True
    if document.visibility == DocumentVisibility.PUBLIC:
        return True
    if document.visibility == DocumentVisibility.NETWORK:
        return _is_signed_in(user)
    return _is_involved(user, subject)


def can_view(user, document: Document) -> bool:
    """May see the document, its versions, and download any of them."""
    subject = document.subject
    if not can_view_subject(user, subject):
        return False
    if document.is_deleted:
        return _is_staff(user)  # staff see deleted documents so they can restore them
    return _audience_allows(user, document, subject)


def can_download(user, document: Document) -> bool:
    return can_view(user, document) and not document.is_deleted


def can_upload(user, subject: Subject) -> bool:
    """Focal points of the partners involved, and staff."""
    if not can_view_subject(user, subject):
        return False
    if _is_staff(user):
        return True
    return _is_signed_in(user) and user.is_focal_point and _is_involved(user, subject)


def can_add_version(user, document: Document) -> bool:
    return (
        can_view(user, document) and not document.is_deleted and can_upload(user, document.subject)
    )


def _is_uploaders_partner_or_staff(user, document: Document) -> bool:
    if _is_staff(user):
        return True
    return (
        _is_signed_in(user)
        and user.is_focal_point
        and document.uploader_partner_id is not None
        and user.partner_id == document.uploader_partner_id
    )


def can_change_visibility(user, document: Document) -> bool:
    """Only the uploader's partner or staff."""
    return (
        can_view(user, document)
        and not document.is_deleted
        and _is_uploaders_partner_or_staff(user, document)
    )


def can_delete(user, document: Document) -> bool:
    """Soft delete: the uploader's partner or staff."""
    return can_change_visibility(user, document)


def can_see_deleted(user, subject: Subject) -> bool:
    """Staff see deleted documents so they can restore them."""
    return _is_staff(user) and can_view_subject(user, subject)


def can_restore(user, document: Document) -> bool:
    return document.is_deleted and can_see_deleted(user, document.subject)


def subject_column(kind: type[Subject]) -> InstrumentedAttribute[int | None]:
    """The column that attaches a document to a subject of this kind."""
    if kind is Event:
        return Document.event_id
    if kind is Project:
        return Document.project_id
    return Document.partner_id


class ListedDocuments(enum.Enum):
    """Which of a subject's documents its lists show a user: the SQL twin of can_view()
    (listed_documents_clause), one value per audience so that the lists' statements are built
    once per audience rather than per request."""

    NONE = "none"  # the user may not see the subject
    ALL = "all"  # staff asking for deleted documents too
    CURRENT = "current"  # not deleted, any visibility: staff, the partners involved
    MEMBERS = "members"  # not deleted, public or network: signed-in users
    PUBLIC = "public"  # not deleted, public: anonymous visitors


def listed_documents(user, subject: Subject, include_deleted: bool = False) -> ListedDocuments:
    if not can_view_subject(user, subject):
        return ListedDocuments.NONE
    if _is_staff(user):
        return ListedDocuments.ALL if include_deleted else ListedDocuments.CURRENT
    if not _is_signed_in(user):
        return ListedDocuments.PUBLIC
    if _is_involved(user, subject):
        return ListedDocuments.CURRENT
    return ListedDocuments.MEMBERS


def listed_documents_clause(listed: ListedDocuments) -> ColumnElement[bool]:
    """The documents (of any subject) an audience is shown."""
    if listed is ListedDocuments.NONE:
        return false()
    if listed is ListedDocuments.ALL:
        return true()
    current = Document.deleted_dt.is_(None)
    if listed is ListedDocuments.PUBLIC:
        return and_(current, Document.visibility == DocumentVisibility.PUBLIC)
    if listed is ListedDocuments.MEMBERS:
        return and_(
            current,
            Document.visibility.in_([DocumentVisibility.PUBLIC, DocumentVisibility.NETWORK]),
        )
    return current
