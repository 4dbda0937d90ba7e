"""Documents pages: a subject's documents, upload, a document's page, downloads, actions."""

from __future__ import annotations

from babel.units import format_unit
from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from coordinator import metrics
from coordinator.access import public
from coordinator.activities.models import Event, Project
from coordinator.documents import bp, permissions, queries, services
from coordinator.documents.forms import UploadForm, VersionForm, VisibilityForm
from coordinator.documents.models import Document, DocumentVersion, DocumentVisibility
from coordinator.documents.storage import (
    StorageUnavailable,
    get_storage,
    presigned_download_url,
)
from coordinator.documents.validation import ALLOWED_EXTENSIONS_TEXT
from coordinator.extensions import db
from coordinator.multilingual import localized_text
from coordinator.partners.models import Partner
from coordinator.views import form_view

SUBJECT_KINDS = "any(events, projects, partners)"


def load_subject_or_404(kind: str, ref: str) -> Event | Project | Partner:
    subject = queries.subject_by_ref(kind, ref)
    if subject is None or not permissions.can_view_subject(current_user, subject):
        abort(404)
    return subject


def subject_route(subject: Event | Project | Partner) -> dict[str, str]:
    """url_for arguments naming a subject (kind, ref)."""
    if isinstance(subject, Event):
        return {"kind": "events", "ref": str(subject.id)}
    if isinstance(subject, Project):
        return {"kind": "projects", "ref": subject.slug}
    return {"kind": "partners", "ref": subject.slug}


def subject_label(subject: Event | Project | Partner) -> str:
    """The subject's name or title in the page's language (plain: it also fills <title>)."""
    return localized_text(subject, "name" if isinstance(subject, Partner) else "title")


def subject_page_url(subject: Event | Project | Partner) -> str:
    """The subject's own page when that branch is present, else its documents page; for a
    proposal not published yet (a draft, one under review), its workflow page."""
    manage_url = _manage_page_url(subject)
    if manage_url is not None:
        return manage_url
    if isinstance(subject, Event) and "activities.event" in current_app.view_functions:
        return url_for("activities.event", event_id=subject.id)
    if isinstance(subject, Project) and "activities.project" in current_app.view_functions:
        return url_for("activities.project", slug=subject.slug)
    if isinstance(subject, Partner):
        return url_for("partners.show", slug=subject.slug)
    return url_for("documents.for_subject", **subject_route(subject))


def _manage_page_url(subject: Event | Project | Partner) -> str | None:
    if isinstance(subject, Partner) or subject.is_published:
        return None
    if isinstance(subject, Event):
        return url_for("activities.manage_event", event_id=subject.id, _anchor="documents")
    return url_for("activities.manage_project", project_id=subject.id, _anchor="documents")


def _after_upload_url(document: Document) -> str:
    """Back to the proposal being prepared (to attach more, then submit), else the document."""
    return _manage_page_url(document.subject) or url_for("documents.show", document_id=document.id)


def load_document_or_404(document_id: int) -> Document:
    document = queries.document_with_versions(document_id)
    # Someone outside the audience learns nothing, not even that the document exists.
    if document is None or not permissions.can_view(current_user, document):
        abort(404)
    return document


def visible_documents(subject, include_deleted: bool = False) -> list[Document]:
    return queries.visible_documents(current_user, subject, include_deleted)


@bp.app_template_global()
def attached_documents(subject) -> list[Document]:
    """For documents/_attached.html on event, project and partner pages."""
    return visible_documents(subject)


@bp.app_template_global()
def can_upload_document(subject) -> bool:
    return permissions.can_upload(current_user, subject)


@bp.app_template_global()
def documents_list_url(subject) -> str:
    return url_for("documents.for_subject", **subject_route(subject))


@bp.app_template_global()
def document_upload_url(subject) -> str:
    return url_for("documents.upload", **subject_route(subject))


_SIZE_UNITS = ("digital-kilobyte", "digital-megabyte", "digital-gigabyte")


@bp.app_template_filter("l_filesize")
def localized_file_size(size: int | None) -> str:
    """A file size in the page's language ("1.2 MB", "1,2 Mo", "1.2 م.ب"): decimal units, as
    Jinja's filesizeformat counts them, and as the upload script does in the browser."""
    if size is None:
        return ""
    locale = get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]
    if size < 1000:
        return format_unit(size, "digital-byte", length="long", locale=locale)
    value = size / 1000
    unit = _SIZE_UNITS[0]
    for unit in _SIZE_UNITS:
        if value < 1000 or unit == _SIZE_UNITS[-1]:
            break
        value /= 1000
    return format_unit(value, unit, length="short", format="#,##0.#", locale=locale)


@bp.app_context_processor
def document_helpers():
    return {"document_permissions": permissions, "document_subject_page": subject_page_url}


def _upload_context() -> dict:
    return {
        "max_bytes": current_app.config.get("MAX_CONTENT_LENGTH"),
        "allowed_extensions": ALLOWED_EXTENSIONS_TEXT,
    }


@bp.route(f"/<{SUBJECT_KINDS}:kind>/<slug:ref>/documents")
@public
def for_subject(kind: str, ref: str):
    subject = load_subject_or_404(kind, ref)
    return render_template(
        "documents/subject.html",
        subject=subject,
        subject_title=subject_label(subject),
        deleted=visible_deleted(subject),
    )


def visible_deleted(subject) -> list[Document]:
    if not permissions.can_see_deleted(current_user, subject):
        return []
    return [d for d in visible_documents(subject, include_deleted=True) if d.is_deleted]


@bp.route(f"/<{SUBJECT_KINDS}:kind>/<slug:ref>/documents/new", methods=["GET", "POST"])
def upload(kind: str, ref: str):
    subject = load_subject_or_404(kind, ref)
    if not permissions.can_upload(current_user, subject):
        abort(403)
    form = UploadForm()
    return form_view(
        form,
        lambda: _create_document(subject, form),
        lambda document: (
            _("“%(title)s” was uploaded.", title=document.title),
            _after_upload_url(document),
        ),
        lambda: _render_upload_page("documents/upload.html", form, subject),
    )


def _render_upload_page(template: str, form, subject, **context) -> str:
    return render_template(
        template,
        form=form,
        subject=subject,
        subject_title=subject_label(subject),
        **_upload_context(),
        **context,
    )


def _create_document(subject, form: UploadForm) -> Document:
    return services.create_document(
        subject=subject,
        user=current_user,
        title=form.title.data or "",
        description=form.description.data or "",
        visibility=DocumentVisibility(form.visibility.data),
        filename=form.file.data.filename,
        stream=form.file.data.stream,
        storage=get_storage(),
    )


@bp.route("/documents/<id:document_id>")
@public
def show(document_id: int):
    document = load_document_or_404(document_id)
    return render_template(
        "documents/show.html",
        document=document,
        subject=document.subject,
        subject_title=subject_label(document.subject),
        version_form=VersionForm(),
        visibility_form=VisibilityForm(visibility=document.visibility.value),
        audit_is_logged=document.visibility == DocumentVisibility.PARTNERS,
        **_upload_context(),
    )


def _storage_unavailable(document: Document, error: StorageUnavailable) -> Response:
    metrics.DOCUMENT_STORAGE_ERRORS.labels("read").inc()
    current_app.logger.warning("document %s: storage unavailable: %s", document.id, error)
    response = Response(
        _("The document store cannot be reached just now. Please try again in a few minutes.")
        + "\n",
        503,
        mimetype="text/plain",
    )
    response.headers["Retry-After"] = str(current_app.config["UNAVAILABLE_RETRY_AFTER_SECONDS"])
    response.headers["Cache-Control"] = "no-store"
    return response


def _send(document: Document, version: DocumentVersion):
    storage = get_storage()
    try:
        url = presigned_download_url(
            storage,
            version.storage_key,
            filename=version.original_filename,
            mimetype=version.mime_type,
        )
        # Streamed chunk by chunk (an S3 object straight from its socket), never read whole.
        stream = None if url else storage.open(version.storage_key)
    except StorageUnavailable as error:
        return _storage_unavailable(document, error)
    except FileNotFoundError:
        metrics.DOCUMENT_STORAGE_ERRORS.labels("read").inc()
        current_app.logger.error(
            "document %s version %s: stored file %s is missing",
            document.id,
            version.number,
            version.storage_key,
        )
        abort(404)
    services.record_download(document=document, version=version, user=current_user)
    db.session.commit()
    if url:
        # Authorised above, like a streamed download; the link itself expires within a minute.
        response = redirect(url, code=302)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
    response = send_file(
        stream,
        mimetype=version.mime_type,
        as_attachment=True,  # never inline, whatever the type
        download_name=version.original_filename,  # Werkzeug adds RFC 5987 filename*
        conditional=False,
        etag=False,
        max_age=None,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private"
    # Should a browser ever render it anyway, it gets no script and no origin.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/documents/<id:document_id>/download")
@public
def download(document_id: int):
    document = load_document_or_404(document_id)
    if not permissions.can_download(current_user, document):
        abort(404)
    return _send(document, document.current_version)


@bp.route("/documents/<id:document_id>/versions/<id:number>/download")
@public
def download_version(document_id: int, number: int):
    document = load_document_or_404(document_id)
    version = document.version(number)
    if version is None or not permissions.can_download(current_user, document):
        abort(404)
    return _send(document, version)


@bp.route("/documents/<id:document_id>/versions/new", methods=["GET", "POST"])
def new_version(document_id: int):
    document = load_document_or_404(document_id)
    if not permissions.can_add_version(current_user, document):
        abort(403)
    form = VersionForm()
    return form_view(
        form,
        lambda: _add_version(document, form),
        lambda version: (
            _("Version %(number)s is now the current version.", number=version.number),
            url_for("documents.show", document_id=document.id),
        ),
        lambda: _render_upload_page(
            "documents/new_version.html", form, document.subject, document=document
        ),
    )


def _add_version(document: Document, form: VersionForm) -> DocumentVersion:
    return services.add_version(
        document=document,
        user=current_user,
        filename=form.file.data.filename,
        stream=form.file.data.stream,
        storage=get_storage(),
    )


@bp.route("/documents/<id:document_id>/visibility", methods=["POST"])
def change_visibility(document_id: int):
    document = load_document_or_404(document_id)
    if not permissions.can_change_visibility(current_user, document):
        abort(403)
    form = VisibilityForm()
    if not form.validate_on_submit():
        abort(400)
    services.change_visibility(
        document=document, user=current_user, visibility=DocumentVisibility(form.visibility.data)
    )
    db.session.commit()
    flash(_("Visibility is now: %(audience)s.", audience=document.visibility.label), "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.route("/documents/<id:document_id>/delete", methods=["POST"])
def delete(document_id: int):
    document = load_document_or_404(document_id)
    if not permissions.can_delete(current_user, document):
        abort(403)
    subject = document.subject
    services.delete_document(document=document, user=current_user)
    db.session.commit()
    flash(_("“%(title)s” was deleted. Staff can restore it.", title=document.title), "success")
    return redirect(subject_page_url(subject))


@bp.route("/documents/<id:document_id>/restore", methods=["POST"])
def restore(document_id: int):
    document = load_document_or_404(document_id)
    if not permissions.can_restore(current_user, document):
        abort(403)
    services.restore_document(document=document, user=current_user)
    db.session.commit()
    flash(_("“%(title)s” was restored.", title=document.title), "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error):
    """Past MAX_CONTENT_LENGTH the body is never read, so nothing typed reached us: this page
    sends the user back to the form, which the browser restores from its history."""
    db.session.rollback()
    return render_template(
        "documents/too_large.html",
        max_bytes=current_app.config.get("MAX_CONTENT_LENGTH"),
        back_url=request.path,
    ), 413
