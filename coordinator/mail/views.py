"""The staff page of undelivered mail (/staff/mail): list it, and queue failed messages again."""

from __future__ import annotations

from collections.abc import Sequence

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from coordinator.extensions import db
from coordinator.i18n import lazy_gettext as _l
from coordinator.mail import (
    MailStatus,
    OutgoingMessage,
    bp,
    count_by_status,
    deliver_after_request,
    retry_failed,
    undelivered_messages,
)
from coordinator.mail.permissions import can_manage_mail

bp.add_app_template_global(can_manage_mail)

STATUS_LABELS = {
    MailStatus.QUEUED: _l("Queued"),
    MailStatus.SENDING: _l("Sending"),
    MailStatus.SENT: _l("Sent"),
    MailStatus.FAILED: _l("Failed"),
    MailStatus.EXPIRED: _l("Link expired"),
    MailStatus.VOID: _l("Link no longer valid"),
}


@bp.route("/staff/mail")
def undelivered():
    if not can_manage_mail(current_user):
        abort(403)
    return render_template(
        "mail/undelivered.html",
        messages=undelivered_messages(),
        counts=count_by_status(),
        status_labels=STATUS_LABELS,
        MailStatus=MailStatus,
    )


@bp.post("/staff/mail/<id:message_id>/retry")
def retry(message_id: int) -> Response:
    if not can_manage_mail(current_user):
        abort(403)
    if db.session.get(OutgoingMessage, message_id) is None:
        abort(404)
    return _retry([message_id])


@bp.post("/staff/mail/retry")
def retry_all() -> Response:
    if not can_manage_mail(current_user):
        abort(403)
    return _retry(None)


def _retry(message_ids: Sequence[int] | None) -> Response:
    outcome = retry_failed(message_ids, actor=current_user)
    db.session.commit()
    deliver_after_request(outcome.queued)
    for message in outcome.not_sent:
        flash(
            _(
                "Not sent to %(recipient)s: %(status)s. Invite them again, or ask them to "
                "request a new password reset.",
                recipient=message.shown_recipient,
                status=STATUS_LABELS[message.status],
            ),
            "warning",
        )
    if outcome.queued:
        flash(
            _("Messages queued again and being sent: %(count)s.", count=len(outcome.queued)),
            "success",
        )
    elif not outcome.not_sent:
        flash(_("Nothing to retry: no failed message was selected."), "info")
    return redirect(url_for("mail.undelivered"))
