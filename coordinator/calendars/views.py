"""Pages of a partner's calendars: list and connect, one source, Sync now; staff confirmations."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from coordinator.activities.models import Theme
from coordinator.calendars import SYNC_JOB, bp, services
from coordinator.calendars.forms import CancellationForm, SourceForm, UploadForm
from coordinator.calendars.models import CalendarSource, ImportedEvent
from coordinator.calendars.permissions import can_confirm_cancellations, can_manage_sources
from coordinator.errors import DomainError, apply_to_form
from coordinator.extensions import db
from coordinator.forms import ActionForm
from coordinator.jobs import enqueue
from coordinator.partners.models import Partner

bp.add_app_template_global(can_manage_sources, "can_manage_calendar_sources")
bp.add_app_template_global(can_confirm_cancellations, "can_confirm_calendar_cancellations")
bp.add_app_template_global(services.link_for_event, "calendar_import_of")


def _partner_or_404(slug: str) -> Partner:
    """The partner whose calendars the user manages; 404 for anyone else (hidden, not refused)."""
    partner = db.session.scalar(select(Partner).where(Partner.slug == slug, Partner.is_active))
    if partner is None or not can_manage_sources(current_user, partner.id):
        abort(404)
    return partner


def _source_or_404(slug: str, source_id: int) -> CalendarSource:
    partner = _partner_or_404(slug)
    source = db.session.get(CalendarSource, source_id)
    if source is None or source.partner_id != partner.id or not source.is_active:
        abort(404)
    return source


def _themes() -> list[Theme]:
    return list(db.session.scalars(select(Theme).where(Theme.is_active).order_by(Theme.name)))


def _read_upload(storage) -> bytes:
    limit = int(services.setting("CALENDAR_IMPORT_MAX_BYTES"))
    data = storage.stream.read(limit + 1)
    if len(data) > limit:
        raise DomainError(services.fetching.too_large_message(limit), field="upload")
    return data


@bp.route("/partners/<slug:slug>/sources", methods=["GET", "POST"])
def sources(slug: str):
    partner = _partner_or_404(slug)
    form = SourceForm(themes=_themes())
    if form.validate_on_submit():
        try:
            source = _connect(partner, form)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            return redirect(url_for("calendars.source", slug=slug, source_id=source.id))
    listed = db.session.scalars(
        select(CalendarSource)
        .where(CalendarSource.partner_id == partner.id, CalendarSource.is_active)
        .order_by(CalendarSource.name)
    ).all()
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "calendars/sources.html", partner=partner, sources=listed, form=form
    ), status


def _connect(partner: Partner, form: SourceForm) -> CalendarSource:
    """Add the source; an uploaded file is imported at once, an address is synced now."""
    upload = form.upload.data if getattr(form.upload.data, "filename", "") else None
    payload = _read_upload(upload) if upload is not None else None
    source = services.add_source(current_user, partner, form.to_data())
    result = (
        services.import_payload(source, payload, current_user)
        if payload is not None
        else services.sync_source(source, current_user)
    )
    db.session.commit()
    _flash_result(result)
    return source


def _flash_result(result: services.ImportResult) -> None:
    if result.error:
        flash(_("The calendar could not be imported: %(error)s", error=result.error), "danger")
    else:
        flash(
            _(
                "Imported: %(new)s new, %(updated)s updated, %(unchanged)s unchanged, "
                "%(skipped)s skipped, %(errors)s errors.",
                **result.counts(),
            ),
            "success",
        )


@bp.route("/partners/<slug:slug>/sources/<id:source_id>")
def source(slug: str, source_id: int):
    source = _source_or_404(slug, source_id)
    return render_template(
        "calendars/source.html",
        partner=source.partner,
        source=source,
        links=services.source_links(source),
        action_form=ActionForm(),
        upload_form=UploadForm(),
    )


@bp.route("/partners/<slug:slug>/sources/<id:source_id>/sync", methods=["POST"])
def sync(slug: str, source_id: int):
    source = _source_or_404(slug, source_id)
    if not ActionForm().validate_on_submit() or source.is_upload:
        abort(400)
    source_id = source.id
    db.session.commit()  # end this request's transaction: the job works on its own connection
    if enqueue(SYNC_JOB, source_id):
        flash(_("The calendar is being synced; reload this page in a moment."), "info")
    else:  # no queue reachable: sync here and now
        _flash_result(services.sync_source(db.session.get(CalendarSource, source_id), current_user))
        db.session.commit()
    return redirect(url_for("calendars.source", slug=slug, source_id=source_id))


@bp.route("/partners/<slug:slug>/sources/<id:source_id>/upload", methods=["POST"])
def upload(slug: str, source_id: int):
    source = _source_or_404(slug, source_id)
    form = UploadForm()
    if not form.validate_on_submit() or not source.is_upload:
        abort(400)
    try:
        result = services.import_payload(source, _read_upload(form.upload.data), current_user)
    except DomainError as error:
        flash(error.message, "danger")
    else:
        db.session.commit()
        _flash_result(result)
    return redirect(url_for("calendars.source", slug=slug, source_id=source.id))


@bp.route("/staff/calendar-cancellations")
def cancellations():
    if not can_confirm_cancellations(current_user):
        abort(404)
    return render_template(
        "calendars/cancellations.html",
        links=services.proposed_cancellations(),
        form=CancellationForm(),
        action_form=ActionForm(),
    )


def _proposed_link_or_404(link_id: int) -> ImportedEvent:
    link = db.session.get(ImportedEvent, link_id)
    if link is None or not can_confirm_cancellations(current_user):
        abort(404)
    return link


@bp.route("/staff/calendar-cancellations/<id:link_id>/confirm", methods=["POST"])
def confirm_cancellation(link_id: int):
    link = _proposed_link_or_404(link_id)
    form = CancellationForm()
    if not form.validate_on_submit():
        flash(_("Please give the reason for cancelling."), "danger")
        return redirect(url_for("calendars.cancellations"))
    services.confirm_cancellation(current_user, link, form.reason.data)
    db.session.commit()
    flash(_("Cancelled. It stays visible, marked as cancelled."), "success")
    return redirect(url_for("calendars.cancellations"))


@bp.route("/staff/calendar-cancellations/<id:link_id>/dismiss", methods=["POST"])
def dismiss_cancellation(link_id: int):
    link = _proposed_link_or_404(link_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.dismiss_cancellation(current_user, link)
    db.session.commit()
    flash(_("The event stays as it is."), "success")
    return redirect(url_for("calendars.cancellations"))
