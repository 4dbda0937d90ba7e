"""The staff page of failed jobs (/staff/jobs): list them, and queue one again."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.jobs import bp
from coordinator.jobs.models import JobFailure
from coordinator.jobs.permissions import can_manage_jobs
from coordinator.jobs.services import open_failures, retry_failure

bp.add_app_template_global(can_manage_jobs)


@bp.route("/staff/jobs")
def failures():
    if not can_manage_jobs(current_user):
        abort(403)
    return render_template("jobs/failures.html", failures=open_failures())


@bp.post("/staff/jobs/<id:failure_id>/retry")
def retry(failure_id: int) -> Response:
    if not can_manage_jobs(current_user):
        abort(403)
    failure = db.session.get(JobFailure, failure_id)
    if failure is None:
        abort(404)
    try:
        queued = retry_failure(failure, actor=current_user)
    except DomainError as error:
        flash(error.message, "danger")
    else:
        if queued:
            flash(_("Job %(name)s queued again.", name=failure.task_name), "success")
        else:
            flash(_("That job was already queued again."), "info")
    return redirect(url_for("jobs.failures"))
