"""Events, joint projects, the proposal space and the review queue."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coordinator.activities import bp, proposals, services
from coordinator.activities.clashes import clash_leads, clashes_for_event, find_clashes
from coordinator.activities.forms import (
    CommentForm,
    EmptyForm,
    EventForm,
    ProjectForm,
    TranslationForm,
)
from coordinator.activities.inbox import task_count
from coordinator.activities.models import Event, Project
from coordinator.activities.permissions import (
    WORKFLOW_PREDICATES,
    can_edit_event,
    can_edit_project,
    can_propose_activity,
    can_review,
    can_see_clashes,
    can_translate_event,
    holds_action,
    is_named_co_organiser,
)
from coordinator.activities.proposals import (
    QUEUE_KINDS,
    form_choices,
    history,
    partner_space,
    queue_filter_choices,
)
from coordinator.activities.revision_wording import field_label
from coordinator.activities.translations import missing_required_languages, revision_languages
from coordinator.activities.workflow import (
    Action,
    confirmation_label,
    history_action_label,
    state_label,
)
from coordinator.db import utcnow
from coordinator.extensions import db
from coordinator.i18n import lazy_gettext as _l
from coordinator.multilingual import language_name
from coordinator.partners.models import Partner
from coordinator.slugs import is_slug
from coordinator.views import form_view


@bp.record_once
def _register_template_predicates(state) -> None:
    """Templates hide what the viewer may not do with the same predicates the views use."""
    for predicate in WORKFLOW_PREDICATES:
        state.app.jinja_env.globals.setdefault(predicate.__name__, predicate)
    state.app.jinja_env.globals.setdefault("WorkflowAction", Action)
    for helper in (confirmation_label, history_action_label, state_label):
        state.app.jinja_env.globals.setdefault(helper.__name__, helper)
    state.app.jinja_env.filters.setdefault("revision_field_label", field_label)
    state.app.jinja_env.globals.setdefault("clash_leads", clash_leads)
    state.app.jinja_env.globals.setdefault("task_count", task_count)
    state.app.jinja_env.globals.setdefault("missing_required_languages", missing_required_languages)
    state.app.jinja_env.filters.setdefault("language_label", language_name)
    state.app.jinja_env.filters.setdefault("revision_languages", revision_languages)


def _user():
    return current_user._get_current_object()


def _event_form(lead_partner: Partner, default_zone: str, **kwargs) -> EventForm:
    themes, partners, projects = form_choices(lead_partner.id)
    return EventForm(
        themes=themes,
        partners=partners,
        projects=projects,
        default_zone=default_zone,
        partner_zone=lead_partner.timezone,
        network_zones=tuple(sorted({p.timezone for p in partners if p.timezone})),
        **kwargs,
    )


def _load(kind: str, activity_id: int):
    """The event or project whose workflow page the user may see, else 404."""
    try:
        return services.load_activity(_user(), kind, activity_id)
    except services.NotVisible:
        abort(404)


def _load_editable(kind: str, activity_id: int, may_edit):
    """As _load, and 403 for someone who sees it but may not edit it (now)."""
    activity = _load(kind, activity_id)
    if not may_edit(_user(), activity):
        abort(403)
    return activity


def _manage_url(activity: Event | Project) -> str:
    if isinstance(activity, Event):
        return url_for("activities.manage_event", event_id=activity.id)
    return url_for("activities.manage_project", project_id=activity.id)


_DRAFT_SAVED = _l(
    "Draft saved. Attach any documents (a concept note, an agenda) below, "
    "then submit it for review when it is ready."
)


def _form_view(form, save, template: str, *, dry_run: bool = False, **context):
    """The form view (coordinator.views) of an activity's form, landing on its workflow page.
    `save` returns the activity and what to tell the user; dry_run validates only (the clash
    check)."""
    return form_view(
        form,
        save,
        lambda saved: (saved[1], _manage_url(saved[0])),
        lambda: render_template(template, form=form, **context),
        dry_run=dry_run,
    )


def _form_clashes(form: EventForm, lead_partner_id: int, exclude_event_id: int | None = None):
    if form.start_dt is None:
        return None
    return find_clashes(
        _user(),
        start_dt=form.start_dt,
        end_dt=form.end_dt,
        timezone=form.timezone.data,
        city=form.city.data or "",
        theme_ids=form.theme_ids.data or [],
        partner_ids=[lead_partner_id, *(form.partner_ids.data or [])],
        exclude_event_id=exclude_event_id,
    )


# --- Events -------------------------------------------------------------------------------------


@bp.route("/events/new", methods=["GET", "POST"])
def propose_event():
    user = _user()
    if not can_propose_activity(user):
        abort(403)
    form = _event_form(user.partner, user.partner.timezone)
    return _form_view(
        form,
        lambda: (services.propose_event(user, form.to_data()), _DRAFT_SAVED),
        "activities/event_form.html",
        dry_run="check" in request.form,
        event=None,
        clashes=_form_clashes(form, user.partner_id) if form.validate_on_submit() else None,
    )


@bp.route("/events/<id:event_id>/edit", methods=["GET", "POST"])
def edit_event(event_id: int):
    event = _load_editable("events", event_id, can_edit_event)
    form = _event_form(event.lead_partner, event.timezone, original_language=event.language)
    if request.method == "GET":
        form.fill_from(event)
    user = _user()
    return _form_view(
        form,
        lambda: (event, _edit_event_message(user, event, form)),
        "activities/event_form.html",
        dry_run="check" in request.form,
        event=event,
        clashes=_form_clashes(form, event.lead_partner_id, exclude_event_id=event.id)
        if form.validate_on_submit()
        else None,
    )


def _edit_event_message(user, event: Event, form: EventForm) -> str:
    revision = services.edit_event(user, event, form.to_data())
    if revision is not None:
        return _("Your changes wait for review; the published version stays online meanwhile.")
    return _("Changes saved.")


@bp.route("/events/<id:event_id>/translations", methods=["GET", "POST"])
def translate_event(event_id: int):
    event = _load_editable("events", event_id, can_translate_event)
    form = TranslationForm(original_language=event.language)
    if request.method == "GET":
        form.translations.data = services.translations_in_review(event)
    user = _user()
    return _form_view(
        form, lambda: _translate(user, event, form), "activities/translate_event.html", event=event
    )


def _translate(user, event: Event, form: TranslationForm):
    texts, checked = form.translations.data, form.translations.checked
    if services.propose_translations(user, event, texts, checked) is None:
        return event, _("Changes saved.")
    return event, _("Your translation waits for review; the published version stays online.")


def _render_manage(
    activity: Event | Project, comment_form: CommentForm | None = None, status: int = 200
):
    """The workflow page of an event or a project (manage_event.html, manage_project.html)."""
    noun = services.subject_type(activity)
    extra = _event_context(activity) if isinstance(activity, Event) else {}
    return render_template(
        f"activities/manage_{noun}.html",
        kind=f"{noun}s",
        activity=activity,
        entries=history(noun, [activity.id]).get(activity.id, []),
        comment_form=comment_form or CommentForm(),
        **{noun: activity},
        **extra,
    ), status


def _event_context(event: Event) -> dict:
    """What only an event's page shows: changes under review and clashes."""
    user = _user()
    revision = services.pending_revision(event)
    return {
        "revision": revision,
        "diff": services.revision_diff(revision) if revision is not None else [],
        "past_revisions": [r for r in event.revisions if r is not revision],
        "clashes": clashes_for_event(user, event) if can_see_clashes(user, event) else None,
    }


@bp.route("/events/<id:event_id>/manage")
def manage_event(event_id: int):
    return _render_manage(_load("events", event_id))


_DONE = {
    Action.SUBMIT: _l("Submitted for review. Staff have been told."),
    Action.WITHDRAW: _l("The proposal is withdrawn."),
    Action.APPROVE: _l("Approved and published."),
    Action.REQUEST_CHANGES: _l("Sent back to the proposer with your comment."),
    Action.REJECT: _l("Rejected. The proposer sees your comment."),
    Action.CANCEL: _l("Cancelled. It stays visible, marked as cancelled."),
}


@bp.route(
    "/<any(events, projects):kind>/<id:activity_id>/workflow/<slug:action_slug>", methods=["POST"]
)
def activity_transition(kind: str, activity_id: int, action_slug: str):
    action = Action.from_slug(action_slug) or abort(404)
    activity = _load(kind, activity_id)
    user = _user()
    if not holds_action(user, activity, action):
        abort(403)  # a state moved on is the service's 409, with what it is now
    form = CommentForm()
    return form_view(
        form,
        lambda: services.transition(user, activity, action, form.comment.data or ""),
        lambda _: (_DONE[action], _manage_url(activity)),
        lambda: _render_manage(activity, form, 400),
    )


# What a co-organiser reads after answering (the event's words predate the project's).
_ANSWERED = {
    ("events", True): _l("Thank you: your answer is recorded."),
    ("events", False): _l("You declined co-organising this event."),
    ("projects", True): _l("Your answer is recorded."),
    ("projects", False): _l("Your answer is recorded."),
}


@bp.route(
    "/<any(events, projects):kind>/<id:activity_id>/co-organiser/<slug:answer>", methods=["POST"]
)
def answer_co_organisation(kind: str, activity_id: int, answer: str):
    if answer not in ("confirm", "decline"):
        abort(404)
    activity = _load(kind, activity_id)
    user = _user()
    if not is_named_co_organiser(user, activity):
        abort(403)  # an activity decided meanwhile is the service's 409
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.answer_co_organisation(user, activity, confirm=answer == "confirm")
    db.session.commit()
    flash(str(_ANSWERED[kind, answer == "confirm"]), "success")
    return redirect(_manage_url(activity))


_REVISION_SERVICES = {
    "approve": services.approve_revision,
    "request-changes": services.request_changes_revision,
    "reject": services.reject_revision,
}
_REVISION_DONE = {
    "approve": _l("The changes are published."),
    "request-changes": _l("The changes were sent back; the published version stays."),
    "reject": _l("The changes were sent back; the published version stays."),
}


def _load_revision(revision_id: int):
    """The pending or past revision of an event the user may manage, else 404."""
    try:
        return services.load_revision(_user(), revision_id)
    except services.NotVisible:
        abort(404)


@bp.route("/revisions/<id:revision_id>/<slug:decision>", methods=["POST"])
def decide_revision(revision_id: int, decision: str):
    decide = _REVISION_SERVICES.get(decision) or abort(404)
    revision = _load_revision(revision_id)
    user = _user()
    if not can_review(user):
        abort(403)  # changes decided meanwhile are the service's 409
    form = CommentForm()
    return form_view(
        form,
        lambda: decide(user, revision, form.comment.data or ""),
        lambda _: (_REVISION_DONE[decision], _manage_url(revision.event)),
        lambda: _render_manage(revision.event, form, 400),
    )


# --- Joint projects -----------------------------------------------------------------------------


def _project_form(lead_partner_id: int | None, **kwargs) -> ProjectForm:
    themes, partners, _ = form_choices(lead_partner_id)
    return ProjectForm(themes=themes, partners=partners, **kwargs)


@bp.route("/projects/new", methods=["GET", "POST"])
def propose_project():
    user = _user()
    if not can_propose_activity(user):
        abort(403)
    form = _project_form(user.partner_id)
    return _form_view(
        form,
        lambda: (services.propose_project(user, form.to_data()), _DRAFT_SAVED),
        "activities/project_form.html",
        project=None,
    )


@bp.route("/projects/<id:project_id>/edit", methods=["GET", "POST"])
def edit_project(project_id: int):
    project = _load_editable("projects", project_id, can_edit_project)
    form = _project_form(project.lead_partner_id, original_language=project.language)
    if request.method == "GET":
        form.fill_from(project)
    user = _user()
    return _form_view(
        form,
        lambda: _edit_project(user, project, form),
        "activities/project_form.html",
        project=project,
    )


def _edit_project(user, project: Project, form: ProjectForm):
    services.edit_project(user, project, form.to_data())
    return project, _("Changes saved.")


@bp.route("/projects/<id:project_id>/manage")
def manage_project(project_id: int):
    return _render_manage(_load("projects", project_id))


# --- The focal point's space and the review queue -----------------------------------------------


@bp.route("/my/activities")
def my_activities():
    user = _user()
    if not can_propose_activity(user):
        abort(403)
    name = request.args.get("show")
    if name is None:
        return render_template(
            "activities/my_activities.html",
            space=partner_space(user.partner_id),
            partner=user.partner,
        )
    shown = proposals.SpaceList.named(name)
    if shown is None:
        abort(404)
    page = _page_number()

    def page_url(number: int) -> str:
        return url_for("activities.my_activities", show=shown.name, page=number)

    items, histories = proposals.space_list(user.partner_id, shown, page)
    if last := _past_the_end(items, page, proposals.SPACE_PAGE_SIZE):
        return redirect(page_url(last))
    return render_template(
        "activities/my_activities_list.html",
        now=utcnow(),
        shown=shown,
        items=items,
        histories=histories,
        partner=user.partner,
        **_page_links(items, page, page_url),
    )


def _page_number() -> int:
    """The page asked for; junk, zero or a negative number is the first."""
    return max(request.args.get("page", 1, type=int), 1)


def _past_the_end(head: proposals.ListHead, page: int, page_size: int) -> int | None:
    """The list's last page when `page` is past it (the list shrank since the link was made)."""
    return head.last_page(page_size) if not head.items and page > 1 else None


def _page_links(head: proposals.ListHead, page: int, page_url) -> dict[str, str | None]:
    """The Previous and Next links of the `page`th page of a list (_page_links.html)."""
    return {
        "previous_url": page_url(page - 1) if page > 1 else None,
        "next_url": page_url(page + 1) if head.has_next else None,
    }


def _slug_filter(name: str) -> str | None:
    """A slug from the query string; anything else (a NUL byte, junk) is no filter."""
    value = (request.args.get(name) or "").strip()
    return value if is_slug(value) else None


def _queue_url(kinds: list[str], partner_slug: str | None, theme_slug: str | None, page: int):
    return url_for(
        "activities.review_queue",
        kind=kinds or None,
        partner=partner_slug,
        theme=theme_slug,
        page=page if page > 1 else None,
    )


@bp.route("/review/")
def review_queue():
    if not can_review(_user()):
        abort(403)
    kinds = [k for k in request.args.getlist("kind") if k in QUEUE_KINDS]
    partner_slug = _slug_filter("partner")
    theme_slug = _slug_filter("theme")
    page = _page_number()

    def page_url(number: int) -> str:
        return _queue_url(kinds, partner_slug, theme_slug, number)

    queue = proposals.review_queue(kinds, partner_slug, theme_slug, page)
    if last := _past_the_end(queue, page, proposals.QUEUE_PAGE_SIZE):
        return redirect(page_url(last))
    partners, themes = queue_filter_choices()
    return render_template(
        "activities/review_queue.html",
        items=queue.items,
        count=queue.total,
        **_page_links(queue, page, page_url),
        kinds=kinds,
        partner_slug=partner_slug,
        theme_slug=theme_slug,
        partners=partners,
        themes=themes,
    )


# Public pages (list, archive, event and project pages) register on the same blueprint.
from coordinator.activities import public as _public  # noqa: E402,F401
