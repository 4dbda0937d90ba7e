"""Who hears of a new document: the focal points of the partners involved in what it is attached
to (the lead and confirmed co-organisers of an event or project, or the partner itself), among
those allowed to see it, the uploader aside. Each recipient's preference for "new documents"
says whether the notice is mailed at once, held for their digest or dropped."""

from __future__ import annotations

from flask_babel import gettext as _

from coordinator.accounts.notices import NoticeKind
from coordinator.activities.notifications import focal_points_of, notify
from coordinator.documents.models import Document
from coordinator.documents.permissions import can_view, involved_partner_ids
from coordinator.urls import absolute_url


def document_added(document: Document, uploader) -> None:
    subject = document.subject
    recipients = [
        user for user in focal_points_of(involved_partner_ids(subject)) if can_view(user, document)
    ]
    link = absolute_url("documents.show", document_id=document.id)
    values = {
        "document": document.title,
        "subject": getattr(subject, "title", None) or subject.name,
    }

    def compose() -> tuple[str, str]:
        return (
            _("New document: %(document)s", **values),
            _("The document “%(document)s” was added to “%(subject)s”.", **values)
            + "\n"
            + _("See it: %(link)s", link=link),
        )

    notify(recipients, NoticeKind.NEW_DOCUMENTS, compose, skip=uploader)
