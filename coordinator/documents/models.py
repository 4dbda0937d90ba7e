"""Documents attached to an event, a joint project or a partner, and their versions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.db import UTCDateTime, utcnow
from coordinator.extensions import db
from coordinator.i18n import lazy_gettext as _l

if TYPE_CHECKING:
    from coordinator.accounts.models import User
    from coordinator.activities.models import Event, Project
    from coordinator.partners.models import Partner


class DocumentVisibility(enum.StrEnum):
    PUBLIC = "public"  # anyone, listed on public pages
    NETWORK = "network"  # signed-in users
    PARTNERS = "partners"  # the partners involved in the subject, and staff

    @property
    def label(self) -> str:
        # Lazy: the upload form builds its choices at import time, before any locale exists.
        return {
            "public": _l("Public"),
            "network": _l("Network (signed-in users)"),
            "partners": _l("Partners involved only"),
        }[self.value]


# What a new document gets unless the uploader chooses otherwise: the narrowest audience.
DEFAULT_VISIBILITY = DocumentVisibility.PARTNERS

# Human names of the types the allowlist accepts (see documents.validation); product names
# read the same in every language, the others are translated when shown.
TYPE_LABELS = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
    "application/msword": "Word",
    "application/vnd.ms-excel": "Excel",
    "application/vnd.ms-powerpoint": "PowerPoint",
    "application/vnd.oasis.opendocument.text": _l("OpenDocument text"),
    "application/vnd.oasis.opendocument.spreadsheet": _l("OpenDocument spreadsheet"),
    "application/vnd.oasis.opendocument.presentation": _l("OpenDocument presentation"),
    "image/png": _l("PNG image"),
    "image/jpeg": _l("JPEG image"),
    "image/gif": _l("GIF image"),
    "image/webp": _l("WebP image"),
    "text/csv": "CSV",
    "text/plain": _l("Text"),
}


class Document(db.Model):
    __tablename__ = "documents"
    __table_args__ = (
        # A document belongs to exactly one subject: an event, a project or a partner.
        CheckConstraint(
            "(CASE WHEN event_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN project_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN partner_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_subject",
        ),
        CheckConstraint("deleted_by_id IS NULL OR deleted_dt IS NOT NULL", name="deleted_stamped"),
        CheckConstraint("current_version_number >= 1", name="current_version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[DocumentVisibility] = mapped_column(
        Enum(
            DocumentVisibility,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=DEFAULT_VISIBILITY,
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The uploader's partner when the document was created: it (or staff) controls visibility.
    uploader_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    current_version_number: Mapped[int] = mapped_column(Integer, default=1)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    deleted_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    event: Mapped[Event | None] = relationship()
    project: Mapped[Project | None] = relationship()
    partner: Mapped[Partner | None] = relationship(foreign_keys=[partner_id])
    uploader_partner: Mapped[Partner | None] = relationship(foreign_keys=[uploader_partner_id])
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])
    deleted_by: Mapped[User | None] = relationship(foreign_keys=[deleted_by_id])
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document",
        cascade="all, delete-orphan",
        order_by="DocumentVersion.number",
    )

    def __repr__(self) -> str:
        return f"<Document {self.id} {self.title!r} {self.visibility}>"

    @property
    def subject(self) -> Event | Project | Partner:
        return self.event or self.project or self.partner  # type: ignore[return-value]

    @property
    def is_deleted(self) -> bool:
        return self.deleted_dt is not None

    @property
    def current_version(self) -> DocumentVersion:
        for version in self.versions:
            if version.number == self.current_version_number:
                return version
        raise LookupError(f"document {self.id} has no version {self.current_version_number}")

    def version(self, number: int) -> DocumentVersion | None:
        return next((v for v in self.versions if v.number == number), None)


class DocumentVersion(db.Model):
    __tablename__ = "document_versions"
    __table_args__ = (
        UniqueConstraint("document_id", "number", name="uq_document_versions_document_number"),
        Index("ix_document_versions_storage_key", "storage_key"),
        CheckConstraint("size >= 0", name="size_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    # Kept for display and for the download's Content-Disposition only; never a path.
    original_filename: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(120))  # as sniffed by libmagic
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(128))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    document: Mapped[Document] = relationship(back_populates="versions")
    uploaded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<DocumentVersion {self.document_id}#{self.number} {self.mime_type}>"

    @property
    def type_label(self) -> str:
        return str(TYPE_LABELS.get(self.mime_type, self.mime_type))
