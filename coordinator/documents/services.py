"""Every state change of documents. Services flush; the view (or command) commits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy import select, update

from coordinator import metrics
from coordinator.activities.models import Event, Project
from coordinator.audit.models import record
from coordinator.documents import notifications
from coordinator.documents.models import (
    DEFAULT_VISIBILITY,
    Document,
    DocumentVersion,
    DocumentVisibility,
)
from coordinator.documents.storage import (
    DocumentStorage,
    LocalStorage,
    S3Storage,
    StorageUnavailable,
)
from coordinator.documents.validation import CheckedFile, check_upload
from coordinator.errors import ConflictError, DomainError
from coordinator.extensions import db
from coordinator.partners.models import Partner


def _store(
    storage: DocumentStorage, filename: str | None, stream: BinaryIO
) -> tuple[CheckedFile, str]:
    """Check the upload, then write it durably; the caller's row commits after this returns."""
    checked = check_upload(filename, stream)
    try:
        key = storage.put(stream)
    except StorageUnavailable as error:
        metrics.DOCUMENT_STORAGE_ERRORS.labels("write").inc()
        # Nothing was stored under a final key and no row exists: the user can simply retry.
        raise DomainError(
            _(
                "The document store cannot be reached just now, so the file was not saved. "
                "Please try again in a few minutes."
            ),
            field="file",
        ) from error
    except OSError:
        metrics.DOCUMENT_STORAGE_ERRORS.labels("write").inc()
        raise
    return checked, key


def _new_version(
    document: Document, number: int, checked: CheckedFile, key: str, user
) -> DocumentVersion:
    version = DocumentVersion(
        document=document,
        number=number,
        original_filename=checked.filename,
        mime_type=checked.mime_type,
        size=checked.size,
        sha256=key,  # content-addressed: the key is the SHA-256 of the bytes
        storage_key=key,
        uploaded_by_id=user.id,
    )
    db.session.add(version)
    return version


def create_document(
    *,
    subject: Event | Project | Partner,
    user,
    title: str,
    description: str,
    visibility: DocumentVisibility | None,
    filename: str | None,
    stream: BinaryIO,
    storage: DocumentStorage,
) -> Document:
    """Attach a new document (version 1) to an event, project or partner."""
    checked, key = _store(storage, filename, stream)
    document = Document(
        title=title or checked.filename,
        description=description or "",
        visibility=visibility or DEFAULT_VISIBILITY,
        uploaded_by_id=user.id,
        uploader_partner_id=user.partner_id,
        current_version_number=1,
    )
    if isinstance(subject, Event):
        document.event = subject
    elif isinstance(subject, Project):
        document.project = subject
    elif isinstance(subject, Partner):
        document.partner = subject
    else:
        raise DomainError(_("Documents attach to an event, a project or a partner."))
    db.session.add(document)
    _new_version(document, 1, checked, key, user)
    db.session.flush()
    record(
        actor=user,
        subject_type="document",
        subject_id=document.id,
        action="document.upload",
        to_state=document.visibility.value,
        details={"version": 1, "sha256": key, "filename": checked.filename},
    )
    notifications.document_added(document, user)
    return document


def add_version(
    *, document: Document, user, filename: str | None, stream: BinaryIO, storage: DocumentStorage
) -> DocumentVersion:
    """Upload a new current version; earlier versions stay as they were."""
    checked, key = _store(storage, filename, stream)
    expected = document.current_version_number
    # Two simultaneous uploads must not both become version n+1.
    result = db.session.execute(
        update(Document)
        .where(Document.id == document.id, Document.current_version_number == expected)
        .where(Document.deleted_dt.is_(None))
        .values(current_version_number=expected + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ConflictError(_("Someone changed this document at the same time; please try again."))
    version = _new_version(document, expected + 1, checked, key, user)
    db.session.flush()
    db.session.refresh(document)
    record(
        actor=user,
        subject_type="document",
        subject_id=document.id,
        action="document.new_version",
        details={"version": version.number, "sha256": key, "filename": checked.filename},
    )
    return version


def change_visibility(*, document: Document, user, visibility: DocumentVisibility) -> None:
    """Set who may see the document (the permission is checked by the caller)."""
    previous = document.visibility
    if previous == visibility:
        return
    # Conditional on the audience the user saw: of two simultaneous changes the later one must
    # not silently undo the other, nor change a document deleted meanwhile.
    changed = db.session.execute(
        update(Document)
        .where(
            Document.id == document.id,
            Document.visibility == previous,
            Document.deleted_dt.is_(None),
        )
        .values(visibility=visibility)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise ConflictError(_("Someone changed this document at the same time; please try again."))
    db.session.refresh(document)
    record(
        actor=user,
        subject_type="document",
        subject_id=document.id,
        action="document.visibility",
        from_state=previous.value,
        to_state=visibility.value,
    )


def delete_document(*, document: Document, user) -> None:
    """Soft delete: the row and its files stay, hidden from everyone but staff."""
    from coordinator.db import utcnow

    result = db.session.execute(
        update(Document)
        .where(Document.id == document.id, Document.deleted_dt.is_(None))
        .values(deleted_dt=utcnow(), deleted_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ConflictError(_("This document was already deleted."))
    db.session.refresh(document)
    record(
        actor=user,
        subject_type="document",
        subject_id=document.id,
        action="document.delete",
        from_state="active",
        to_state="deleted",
    )


def restore_document(*, document: Document, user) -> None:
    """Undo a soft delete (staff only, checked by the caller)."""
    result = db.session.execute(
        update(Document)
        .where(Document.id == document.id, Document.deleted_dt.is_not(None))
        .values(deleted_dt=None, deleted_by_id=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ConflictError(_("This document is not deleted."))
    db.session.refresh(document)
    record(
        actor=user,
        subject_type="document",
        subject_id=document.id,
        action="document.restore",
        from_state="deleted",
        to_state="active",
    )


def record_download(*, document: Document, version: DocumentVersion, user) -> None:
    """Partners-only files leave a trace of who downloaded them."""
    if document.visibility != DocumentVisibility.PARTNERS:
        return
    record(
        actor=user,
        subject_type="document",
        subject_id=document.id,
        action="document.download",
        details={"version": version.number},
    )


@dataclass
class SweepReport:
    removed_keys: list[str] = field(default_factory=list)
    removed_temporary_files: list[str] = field(default_factory=list)
    kept_recent_keys: list[str] = field(default_factory=list)
    # (document id, version number, storage key) of rows whose file is gone.
    missing: list[tuple[int, int, str]] = field(default_factory=list)


def sweep_storage(
    storage: DocumentStorage, *, grace_seconds: float = 3600, dry_run: bool = False
) -> SweepReport:
    """Remove stored files no version references, and report versions whose file is missing.

    Files younger than grace_seconds are spared: an upload writes its file before its row
    commits, so a fresh unreferenced file may belong to a transaction still in flight.
    """
    report = SweepReport()
    referenced = set(db.session.scalars(select(DocumentVersion.storage_key).distinct()))
    for key in list(storage.iter_keys()):
        if key in referenced:
            continue
        if storage.age_seconds(key) < grace_seconds:
            report.kept_recent_keys.append(key)
            continue
        if not dry_run:
            storage.delete(key)
        report.removed_keys.append(key)
    if isinstance(storage, LocalStorage):
        for path in list(storage.iter_stale_temporary_files(grace_seconds)):
            if not dry_run:
                path.unlink(missing_ok=True)
            report.removed_temporary_files.append(path.name)
    elif isinstance(storage, S3Storage):
        for name in list(storage.iter_stale_temporary_keys(grace_seconds)):
            if not dry_run:
                storage.delete_temporary(name)
            report.removed_temporary_files.append(name)
    rows = db.session.execute(
        select(
            DocumentVersion.document_id, DocumentVersion.number, DocumentVersion.storage_key
        ).order_by(DocumentVersion.document_id, DocumentVersion.number)
    ).all()
    for document_id, number, key in rows:
        if not storage.exists(key):
            report.missing.append((document_id, number, key))
    return report


@dataclass
class MigrationReport:
    copied: list[str] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)
    # (key, why) of files that could not be copied faithfully.
    failed: list[tuple[str, str]] = field(default_factory=list)


def stored_sha256(storage: DocumentStorage, key: str) -> str:
    """The SHA-256 of a stored file's bytes, read back through the storage."""
    digest = hashlib.sha256()
    with storage.open(key) as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def migrate_storage(source: DocumentStorage, target: DocumentStorage) -> MigrationReport:
    """Copy every file of source into target, each verified by re-reading it from the target.

    Files already in the target with the right hash are left alone, so an interrupted run
    resumes where it stopped and a second run copies nothing. Nothing is removed from source.
    """
    report = MigrationReport()
    for key in list(source.iter_keys()):
        if target.exists(key) and stored_sha256(target, key) == key:
            report.already_present.append(key)
            continue
        try:
            with source.open(key) as stream:
                stored = target.put(stream)
        except FileNotFoundError:
            continue  # removed by the sweep since it was listed: an orphan, not needed
        if stored != key:
            # The key is the hash of the bytes: the source copy is damaged. The target keeps
            # it under its real hash (the sweep removes it); the key itself is not copied.
            report.failed.append((key, f"damaged in the source (its bytes hash to {stored})"))
        elif stored_sha256(target, key) != key:
            report.failed.append((key, "read back from the target with another hash"))
        else:
            report.copied.append(key)
    return report
