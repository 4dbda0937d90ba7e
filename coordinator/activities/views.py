"""Events, joint projects, the proposal space and the review queue."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from coordinator.activities import bp, proposals, services
from coordinator.activities.clashes import clashes_for_event, find_clashes
from coordinator.activities.forms import CommentForm, EmptyForm, EventForm, ProjectForm
from coordinator.activities.models import Event, EventRevision, Project, Status, Theme
from coordinator.activities.permissions import (
    WORKFLOW_PREDICATES,
    can_edit_event,
    can_edit_project,
    can_manage_event,
    can_manage_project,
    can_propose_activity,
    can_review,
    can_see_clashes,
    holds_action,
    is_named_co_organiser,
)
from coordinator.activities.proposals import QUEUE_KINDS, history, partner_space
from coordinator.activities.revision_wording import field_label
from coordinator.activities.workflow import (
    Action,
    confirmation_label,
    history_action_label,
    state_label,
)
from coordinator.errors import DomainError, apply_to_form
from coordinator.extensions import db
from coordinator.partners.models import Partner
from coordinator.slugs import is_slug


@bp.record_once
def _register_template_predicates(state) -> None:
    """Templates hide what the viewer may not do with the same predicates the views use."""
    for predicate in WORKFLOW_PREDICATES:
        state.app.jinja_env.globals.setdefault(predicate.__name__, predicate)
    state.app.jinja_env.globals.setdefault("WorkflowAction", Action)
    for helper in (confirmation_label, history_action_label, state_label):
        state.app.jinja_env.globals.setdefault(helper.__name__, helper)
    state.app.jinja_env.filters.setdefault("revision_field_label", field_label)


def _user():
    return current_user._get_current_object()


def _choices_for(lead_partner_id: int | None):
    themes = db.session.scalars(select(Theme).where(Theme.is_active).order_by(Theme.name)).all()
    partners = db.session.scalars(
        select(Partner)
        .where(Partner.is_active, Partner.id != (lead_partner_id or -1))
        .order_by(Partner.name)
    ).all()
    projects = db.session.scalars(
        select(Project).where(Project.status == Status.APPROVED).order_by(Project.title)
    ).all()
    return themes, partners, projects


def _event_form(lead_partner_id: int | None, default_zone: str, **kwargs) -> EventForm:
    themes, partners, projects = _choices_for(lead_partner_id)
    return EventForm(
        themes=themes, partners=partners, projects=projects, default_zone=default_zone, **kwargs
    )


def _load_event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not can_manage_event(_user(), event):
        abort(404)
    return event


def _load_project(project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    if project is None or not can_manage_project(_user(), project):
        abort(404)
    return project


def _form_clashes(form: EventForm, exclude_event_id: int | None = None):
    if form.start_dt is None:
        return None
    return find_clashes(
        _user(),
        start_dt=form.start_dt,
        end_dt=form.end_dt,
        timezone=form.timezone.data,
        city=form.city.data or "",
        theme_ids=form.theme_ids.data or [],
        exclude_event_id=exclude_event_id,
    )


# --- Events -------------------------------------------------------------------------------------


@bp.route("/events/new", methods=["GET", "POST"])
def propose_event():
    user = _user()
    if not can_propose_activity(user):
        abort(403)
    form = _event_form(user.partner_id, user.partner.timezone)
    clashes = None
    if form.validate_on_submit():
        clashes = _form_clashes(form)
        if "check" not in request.form:
            try:
                event = services.propose_event(user, form.to_data())
            except DomainError as error:
                apply_to_form(form, error)
            else:
                db.session.commit()
                flash(_("Draft saved. Submit it for review when it is ready."), "success")
                return redirect(url_for("activities.manage_event", event_id=event.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "activities/event_form.html", form=form, event=None, clashes=clashes
    ), status


@bp.route("/events/<id:event_id>/edit", methods=["GET", "POST"])
def edit_event(event_id: int):
    event = _load_event(event_id)
    user = _user()
    if not can_edit_event(user, event):
        abort(403)
    form = _event_form(event.lead_partner_id, event.timezone)
    if request.method == "GET":
        form.fill_from(event)
    clashes = None
    if form.validate_on_submit():
        clashes = _form_clashes(form, exclude_event_id=event.id)
        if "check" not in request.form:
            try:
                revision = services.edit_event(user, event, form.to_data())
            except DomainError as error:
                apply_to_form(form, error)
            else:
                db.session.commit()
                flash(
                    _("Your changes wait for review; the published version stays online meanwhile.")
                    if revision
                    else _("Changes saved."),
                    "success",
                )
                return redirect(url_for("activities.manage_event", event_id=event.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "activities/event_form.html", form=form, event=event, clashes=clashes
    ), status


def _render_manage_event(event: Event, comment_form: CommentForm | None = None, status: int = 200):
    user = _user()
    revision = services.pending_revision(event)
    diff = services.revision_diff(revision) if revision is not None else []
    return render_template(
        "activities/manage_event.html",
        event=event,
        entries=history("event", [event.id]).get(event.id, []),
        revision=revision,
        diff=diff,
        past_revisions=[r for r in event.revisions if r is not revision],
        clashes=clashes_for_event(user, event) if can_see_clashes(user, event) else None,
        comment_form=comment_form or CommentForm(),
    ), status


@bp.route("/events/<id:event_id>/manage")
def manage_event(event_id: int):
    return _render_manage_event(_load_event(event_id))


_EVENT_SERVICES = {
    Action.SUBMIT: lambda user, event, comment: services.submit_event(user, event),
    Action.WITHDRAW: lambda user, event, comment: services.withdraw_event(user, event),
    Action.APPROVE: services.approve_event,
    Action.REQUEST_CHANGES: services.request_changes_event,
    Action.REJECT: services.reject_event,
    Action.CANCEL: services.cancel_event,
}

_DONE = {
    Action.SUBMIT: _l("Submitted for review. Staff have been told."),
    Action.WITHDRAW: _l("The proposal is withdrawn."),
    Action.APPROVE: _l("Approved and published."),
    Action.REQUEST_CHANGES: _l("Sent back to the proposer with your comment."),
    Action.REJECT: _l("Rejected. The proposer sees your comment."),
    Action.CANCEL: _l("Cancelled. It stays visible, marked as cancelled."),
}


@bp.route("/events/<id:event_id>/workflow/<slug:action_slug>", methods=["POST"])
def event_transition(event_id: int, action_slug: str):
    action = Action.from_slug(action_slug)
    if action is None:
        abort(404)
    event = _load_event(event_id)
    user = _user()
    if not holds_action(user, event, action):
        abort(403)  # a state moved on is the service's 409, with what it is now
    form = CommentForm()
    if not form.validate_on_submit():
        return _render_manage_event(event, form, 400)
    try:
        _EVENT_SERVICES[action](user, event, form.comment.data or "")
    except DomainError as error:
        if error.status_code != 400:
            raise
        db.session.rollback()
        apply_to_form(form, error)
        return _render_manage_event(event, form, 400)
    db.session.commit()
    flash(str(_DONE[action]), "success")
    return redirect(url_for("activities.manage_event", event_id=event.id))


@bp.route("/events/<id:event_id>/co-organiser/<slug:answer>", methods=["POST"])
def answer_event(event_id: int, answer: str):
    if answer not in ("confirm", "decline"):
        abort(404)
    event = _load_event(event_id)
    user = _user()
    if not is_named_co_organiser(user, event):
        abort(403)  # an activity decided meanwhile is the service's 409
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.answer_co_organisation(user, event, confirm=answer == "confirm")
    db.session.commit()
    flash(
        _("Thank you: your answer is recorded.")
        if answer == "confirm"
        else _("You declined co-organising this event."),
        "success",
    )
    return redirect(url_for("activities.manage_event", event_id=event.id))


_REVISION_SERVICES = {
    "approve": services.approve_revision,
    "request-changes": services.request_changes_revision,
    "reject": services.reject_revision,
}


@bp.route("/revisions/<id:revision_id>/<slug:decision>", methods=["POST"])
def decide_revision(revision_id: int, decision: str):
    if decision not in _REVISION_SERVICES:
        abort(404)
    revision = db.session.get(EventRevision, revision_id)
    user = _user()
    if revision is None or not can_manage_event(user, revision.event):
        abort(404)
    if not can_review(user):
        abort(403)  # changes decided meanwhile are the service's 409
    form = CommentForm()
    if not form.validate_on_submit():
        return _render_manage_event(revision.event, form, 400)
    try:
        _REVISION_SERVICES[decision](user, revision, form.comment.data or "")
    except DomainError as error:
        if error.status_code != 400:
            raise
        db.session.rollback()
        apply_to_form(form, error)
        return _render_manage_event(revision.event, form, 400)
    db.session.commit()
    flash(
        _("The changes are published.")
        if decision == "approve"
        else _("The changes were sent back; the published version stays."),
        "success",
    )
    return redirect(url_for("activities.manage_event", event_id=revision.event_id))


# --- Joint projects -----------------------------------------------------------------------------


def _project_form(lead_partner_id: int | None, **kwargs) -> ProjectForm:
    themes, partners, _ = _choices_for(lead_partner_id)
    return ProjectForm(themes=themes, partners=partners, **kwargs)


@bp.route("/projects/new", methods=["GET", "POST"])
def propose_project():
    user = _user()
    if not can_propose_activity(user):
        abort(403)
    form = _project_form(user.partner_id)
    if form.validate_on_submit():
        try:
            project = services.propose_project(user, form.to_data())
        except DomainError as error:
            apply_to_form(form, error)
        else:
            db.session.commit()
            flash(_("Draft saved. Submit it for review when it is ready."), "success")
            return redirect(url_for("activities.manage_project", project_id=project.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("activities/project_form.html", form=form, project=None), status


@bp.route("/projects/<id:project_id>/edit", methods=["GET", "POST"])
def edit_project(project_id: int):
    project = _load_project(project_id)
    user = _user()
    if not can_edit_project(user, project):
        abort(403)
    form = _project_form(project.lead_partner_id)
    if request.method == "GET":
        form.fill_from(project)
    if form.validate_on_submit():
        try:
            services.edit_project(user, project, form.to_data())
        except DomainError as error:
            apply_to_form(form, error)
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("activities.manage_project", project_id=project.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("activities/project_form.html", form=form, project=project), status


def _render_manage_project(
    project: Project, comment_form: CommentForm | None = None, status: int = 200
):
    return render_template(
        "activities/manage_project.html",
        project=project,
        entries=history("project", [project.id]).get(project.id, []),
        comment_form=comment_form or CommentForm(),
    ), status


@bp.route("/projects/<id:project_id>/manage")
def manage_project(project_id: int):
    return _render_manage_project(_load_project(project_id))


_PROJECT_SERVICES = {
    Action.SUBMIT: lambda user, project, comment: services.submit_project(user, project),
    Action.WITHDRAW: lambda user, project, comment: services.withdraw_project(user, project),
    Action.APPROVE: services.approve_project,
    Action.REQUEST_CHANGES: services.request_changes_project,
    Action.REJECT: services.reject_project,
    Action.CANCEL: services.cancel_project,
}


@bp.route("/projects/<id:project_id>/workflow/<slug:action_slug>", methods=["POST"])
def project_transition(project_id: int, action_slug: str):
    action = Action.from_slug(action_slug)
    if action is None:
        abort(404)
    project = _load_project(project_id)
    user = _user()
    if not holds_action(user, project, action):
        abort(403)  # a state moved on is the service's 409, with what it is now
    form = CommentForm()
    if not form.validate_on_submit():
        return _render_manage_project(project, form, 400)
    try:
        _PROJECT_SERVICES[action](user, project, form.comment.data or "")
    except DomainError as error:
        if error.status_code != 400:
            raise
        db.session.rollback()
        apply_to_form(form, error)
        return _render_manage_project(project, form, 400)
    db.session.commit()
    flash(str(_DONE[action]), "success")
    return redirect(url_for("activities.manage_project", project_id=project.id))


@bp.route("/projects/<id:project_id>/partner/<slug:answer>", methods=["POST"])
def answer_project(project_id: int, answer: str):
    if answer not in ("confirm", "decline"):
        abort(404)
    project = _load_project(project_id)
    user = _user()
    if not is_named_co_organiser(user, project):
        abort(403)  # an activity decided meanwhile is the service's 409
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.answer_co_organisation(user, project, confirm=answer == "confirm")
    db.session.commit()
    flash(_("Your answer is recorded."), "success")
    return redirect(url_for("activities.manage_project", project_id=project.id))


# --- The focal point's space and the review queue -----------------------------------------------


@bp.route("/my/activities")
def my_activities():
    user = _user()
    if not can_propose_activity(user):
        abort(403)
    return render_template(
        "activities/my_activities.html", space=partner_space(user.partner_id), partner=user.partner
    )


def _slug_filter(name: str) -> str | None:
    """A slug from the query string; anything else (a NUL byte, junk) is no filter."""
    value = (request.args.get(name) or "").strip()
    return value if is_slug(value) else None


@bp.route("/review/")
def review_queue():
    if not can_review(_user()):
        abort(403)
    kinds = [k for k in request.args.getlist("kind") if k in QUEUE_KINDS]
    partner_slug = _slug_filter("partner")
    theme_slug = _slug_filter("theme")
    items = proposals.review_queue(kinds, partner_slug, theme_slug)
    partners = db.session.scalars(
        select(Partner).where(Partner.is_active).order_by(Partner.name)
    ).all()
    themes = db.session.scalars(select(Theme).order_by(Theme.name)).all()
    return render_template(
        "activities/review_queue.html",
        items=items,
        count=len(items),
        kinds=kinds,
        partner_slug=partner_slug,
        theme_slug=theme_slug,
        partners=partners,
        themes=themes,
    )


# Public pages (list, archive, event and project pages) register on the same blueprint.
from coordinator.activities import public as _public  # noqa: E402,F401
