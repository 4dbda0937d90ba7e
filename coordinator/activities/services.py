"""Every change to events and joint projects: proposals, edits, revisions, transitions, answers.

Services only flush(); the view commits once (or the request rolls back on any error).
State changes are conditional UPDATEs (`WHERE id = :id AND status = :expected`) whose row
count must be 1, so two concurrent decisions can never both win.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update

from coordinator.activities import notifications
from coordinator.activities.models import (
    Confirmation,
    Event,
    EventKind,
    EventPartner,
    EventRevision,
    Project,
    ProjectPartner,
    RevisionStatus,
    Status,
    Theme,
    Visibility,
)
from coordinator.activities.permissions import (
    can_answer_co_organisation,
    can_edit_event,
    can_edit_project,
    can_manage_event,
    can_manage_project,
    can_propose_activity,
    can_review,
    can_translate_event,
    can_view_event,
    can_view_project,
    is_named_co_organiser,
)
from coordinator.activities.revisions import close_pending_revision
from coordinator.activities.translations import (
    apply_translation_changes,
    mark_checked_by_author,
    missing_required_languages,
    proposed_translations,
    split_translation_key,
    translation_snapshot,
    write_texts,
)
from coordinator.activities.workflow import (
    ANSWERABLE_STATES,
    EDITABLE_STATES,
    TRANSITIONS,
    Action,
    actor_roles,
)
from coordinator.audit.models import AuditEntry, record
from coordinator.db import utcnow
from coordinator.errors import ConflictError, DomainError, PermissionDenied
from coordinator.extensions import db
from coordinator.i18n import local_datetime
from coordinator.multilingual import language_name
from coordinator.partners.models import Partner
from coordinator.roles import is_focal_point_of
from coordinator.slugs import slugify


class NotVisible(DomainError):
    """The activity is not the user's to see: answer as if it did not exist."""

    status_code = 404

    def __init__(self, message: str | None = None):
        super().__init__(message or _("There is nothing here."))


# The two kinds of reviewable activity, by the name their URLs and audit entries use.
ACTIVITY_KINDS: dict[str, type[Event] | type[Project]] = {"events": Event, "projects": Project}
LINK_MODELS: dict[type, type[EventPartner] | type[ProjectPartner]] = {
    Event: EventPartner,
    Project: ProjectPartner,
}
PartnerLink = EventPartner | ProjectPartner
_CAN_VIEW = {Event: can_view_event, Project: can_view_project}
_CAN_MANAGE = {Event: can_manage_event, Project: can_manage_project}


def subject_type(activity) -> str:
    return "event" if isinstance(activity, Event) else "project"


def ensure_visible(user, activity) -> None:
    """404 for anyone who may not see the activity at all (another partner's draft)."""
    if not _CAN_VIEW[type(activity)](user, activity):
        raise NotVisible()


def load_activity(actor, kind: str, activity_id: int) -> Event | Project:
    """The event or project (kind "events" or "projects") whose workflow page the actor may
    see, else NotVisible (404): missing and hidden look the same."""
    model = ACTIVITY_KINDS.get(kind)
    activity = db.session.get(model, activity_id) if model is not None else None
    if activity is None or not _CAN_MANAGE[model](actor, activity):
        raise NotVisible()
    return activity


def load_revision(actor, revision_id: int) -> EventRevision:
    """A revision of an event whose workflow page the actor may see, else NotVisible (404)."""
    revision = db.session.get(EventRevision, revision_id)
    if revision is None or not _CAN_MANAGE[Event](actor, revision.event):
        raise NotVisible()
    return revision


def decided_already(activity: Event | Project) -> ConflictError:
    """The 409 for someone whose action lost to a decision made meanwhile: what the activity
    is now, and who made it so when (from the audit entry that moved it there)."""
    entry = db.session.scalar(
        select(AuditEntry)
        .where(
            AuditEntry.subject_type == subject_type(activity),
            AuditEntry.subject_id == activity.id,
            AuditEntry.to_state == activity.status.value,
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    if entry is None or entry.actor is None:
        return ConflictError(
            _("Someone decided this already: it is now “%(status)s”.", status=activity.status.label)
        )
    return ConflictError(
        _(
            "Someone decided this already: it is now “%(status)s” (by %(name)s, %(when)s UTC).",
            status=activity.status.label,
            name=entry.actor.name,
            when=local_datetime(entry.created_dt, "UTC"),
        )
    )


def _revision_decided_already(revision: EventRevision) -> ConflictError:
    """The 409 for a decision on changes someone decided (or replaced) meanwhile."""
    if revision.decided_by is None:
        return ConflictError(_("These changes were already decided or replaced by newer ones."))
    return ConflictError(
        _(
            "Someone decided this already: these changes are now “%(status)s” "
            "(by %(name)s, %(when)s UTC).",
            status=revision.status.label,
            name=revision.decided_by.name,
            when=local_datetime(revision.decided_dt, "UTC"),
        )
    )


# --- References given by the proposer -------------------------------------------------------


def _active_themes(theme_ids: list[int]) -> list[Theme]:
    ids = set(theme_ids)
    if not ids:
        return []
    themes = list(
        db.session.scalars(
            select(Theme).where(Theme.id.in_(ids), Theme.is_active).order_by(Theme.name)
        )
    )
    if len(themes) != len(ids):
        raise DomainError(_("Choose themes from the list."), field="theme_ids")
    return themes


def _co_organiser_ids(partner_ids: list[int], lead_partner_id: int) -> list[int]:
    ids = set(partner_ids)
    if lead_partner_id in ids:
        raise DomainError(_("The lead partner cannot also be a co-organiser."), field="partner_ids")
    if not ids:
        return []
    found = set(
        db.session.scalars(select(Partner.id).where(Partner.id.in_(ids), Partner.is_active))
    )
    if found != ids:
        raise DomainError(_("Choose partners from the list."), field="partner_ids")
    return sorted(ids)


def _check_project(project_id: int | None) -> None:
    if project_id is None:
        return
    project = db.session.get(Project, project_id)
    if project is None or not project.is_published:
        raise DomainError(_("Choose a published joint project."), field="project_id")


# --- Events: proposal and edits ---------------------------------------------------------------

EVENT_FIELDS = (
    "title",
    "summary",
    "description",
    "kind",
    "timezone",
    "start_dt",
    "end_dt",
    "is_all_day",
    "start_date",
    "end_date",
    "venue",
    "city",
    "country",
    "latitude",
    "longitude",
    "online_url",
    "languages",
    "registration_url",
    "visibility",
    "project_id",
)
LIST_FIELDS = ("theme_ids", "partner_ids")


def propose_event(actor, data: dict[str, Any]) -> Event:
    """A draft event led by the proposer's partner (never a partner chosen in the form)."""
    if not can_propose_activity(actor):
        raise PermissionDenied(_("Only focal points of a partner propose events."))
    _check_project(data.get("project_id"))
    return _create_draft(actor, Event(**{name: data[name] for name in EVENT_FIELDS}), data)


def _create_draft(
    actor, activity: Event | Project, data: dict[str, Any], lead_partner_id: int | None = None
):
    """Add a new activity as a draft led by the actor's partner (or lead_partner_id), with its
    themes and named partners, and record its creation."""
    lead_partner_id = actor.partner_id if lead_partner_id is None else lead_partner_id
    activity.lead_partner_id = lead_partner_id
    activity.proposer_id = getattr(actor, "id", None)
    activity.status = Status.DRAFT
    activity.themes = _active_themes(data["theme_ids"])
    _set_partners(activity, _co_organiser_ids(data["partner_ids"], lead_partner_id))
    write_texts(actor, activity, data)
    db.session.add(activity)
    db.session.flush()
    record(
        actor=actor,
        subject_type=subject_type(activity),
        subject_id=activity.id,
        action="create",
        to_state=Status.DRAFT.value,
    )
    return activity


def propose_imported_event(actor, partner_id: int, data: dict[str, Any]) -> Event:
    """A draft of `partner_id` made from its own calendar (coordinator.calendars), for its focal
    points to complete and submit. The actor is the focal point who connected the calendar, or
    None (the import itself, from the command line or a job); nothing is published."""
    if actor is not None and not is_focal_point_of(actor, partner_id):
        actor = None
    return _create_draft(
        actor, Event(**{name: data[name] for name in EVENT_FIELDS}), data, partner_id
    )


def update_imported_draft(actor, event: Event, changes: dict[str, Any]) -> None:
    """Write a calendar's changes on a draft (or a proposal sent back) as an edit would."""
    if event.status not in EDITABLE_STATES:
        raise ConflictError(_("This event cannot be edited now."))
    data = {**_deserialised_snapshot(event), **changes}
    _edit_in_place(actor, event, EVENT_FIELDS, data, list(event.themes))


def propose_imported_revision(actor, event: Event, changes: dict[str, Any]) -> EventRevision:
    """A calendar's changes to a published event become a revision for staff, exactly as a
    manual edit would; a pending revision's other changes are kept in the new one."""
    if event.status != Status.APPROVED:
        raise ConflictError(_("This event cannot be edited now."))
    data = _deserialised_snapshot(event)
    pending = pending_revision(event)
    if pending is not None:
        data.update({name: _deserialise(name, value) for name, value in pending.data.items()})
    data.update(changes)
    return _propose_revision(actor, event, data)


def _deserialised_snapshot(event: Event) -> dict[str, Any]:
    snapshot = event_snapshot(event)
    return {name: _deserialise(name, value) for name, value in snapshot.items()}


def edit_event(actor, event: Event, data: dict[str, Any]) -> EventRevision | None:
    """Edit a draft or a proposal sent back in place; an edit of a published event becomes a
    revision for staff to review (returned), while the approved version stays published."""
    ensure_visible(actor, event)
    if not can_edit_event(actor, event):
        raise PermissionDenied(_("This event cannot be edited now."))
    themes = _active_themes(data["theme_ids"])
    data = {**data, "partner_ids": _co_organiser_ids(data["partner_ids"], event.lead_partner_id)}
    if data.get("project_id") != event.project_id:
        _check_project(data.get("project_id"))
    if event.status == Status.APPROVED:
        # Vouching for a translation changes no text: it needs no review.
        checked = mark_checked_by_author(actor, event, data.get("checked_languages") or ())
        if checked:
            _record_checked(actor, event, checked)
            if not _revision_changes(event, data):
                return None
        return _propose_revision(actor, event, data)
    _edit_in_place(actor, event, EVENT_FIELDS, data, themes)
    return None


def _record_checked(actor, activity, languages: list[str]) -> None:
    db.session.flush()
    record(
        actor=actor,
        subject_type=subject_type(activity),
        subject_id=activity.id,
        action="translations_checked",
        from_state=activity.status.value,
        to_state=activity.status.value,
        details={"languages": languages},
    )


def _edit_in_place(actor, activity, fields, data: dict[str, Any], themes: list[Theme]) -> None:
    """Write an unpublished activity's fields, themes and named partners; record the edit."""
    for name in fields:
        setattr(activity, name, data[name])
    activity.themes = themes
    _set_partners(activity, data["partner_ids"])
    write_texts(actor, activity, data)
    db.session.flush()
    record(
        actor=actor,
        subject_type=subject_type(activity),
        subject_id=activity.id,
        action="edit",
        from_state=activity.status.value,
        to_state=activity.status.value,
    )


def _set_partners(activity: Event | Project, partner_ids: list[int]) -> list[PartnerLink]:
    """Keep the answers of partners still named; returns the newly named links."""
    wanted = set(partner_ids)
    activity.partner_links = [link for link in activity.partner_links if link.partner_id in wanted]
    existing = {link.partner_id for link in activity.partner_links}
    link_model = LINK_MODELS[type(activity)]
    added = [link_model(partner_id=pid) for pid in sorted(wanted - existing)]
    activity.partner_links.extend(added)
    return added


# --- Revisions of published events ---------------------------------------------------------


def _serialise(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, EventKind | Visibility):
        return value.value
    return value


def event_snapshot(event: Event) -> dict[str, Any]:
    """The reviewable fields of an event as JSON values (the shape of EventRevision.data)."""
    snapshot = {name: _serialise(getattr(event, name)) for name in EVENT_FIELDS}
    snapshot["theme_ids"] = sorted(t.id for t in event.themes)
    snapshot["partner_ids"] = sorted(link.partner_id for link in event.partner_links)
    snapshot["language"] = event.language
    snapshot.update(translation_snapshot(event))
    return snapshot


def _snapshot_of_data(data: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    snapshot = {name: _serialise(data[name]) for name in EVENT_FIELDS}
    snapshot["theme_ids"] = sorted(set(data["theme_ids"]))
    snapshot["partner_ids"] = sorted(set(data["partner_ids"]))
    snapshot["language"] = data.get("language") or current["language"]
    snapshot.update(proposed_translations(current, data))
    return snapshot


def _revision_changes(event: Event, data: dict[str, Any]) -> dict[str, Any]:
    """What `data` changes in the published event, as revision data: its fields, the original's
    language, and each translated field ("title@fr"; "" for a translation removed)."""
    current = event_snapshot(event)
    proposed = _snapshot_of_data(data, current)
    changes = {name: value for name, value in proposed.items() if current.get(name) != value}
    changes.update(
        {name: "" for name in current if split_translation_key(name) and name not in proposed}
    )
    return changes


def _deserialise(name: str, value):
    if value is None:
        return None
    if name in ("start_dt", "end_dt"):
        return datetime.fromisoformat(value)
    if name in ("start_date", "end_date"):
        return date.fromisoformat(value)
    if name == "kind":
        return EventKind(value)
    if name == "visibility":
        return Visibility(value)
    return value


def _propose_revision(actor, event: Event, data: dict[str, Any]) -> EventRevision:
    changes = _revision_changes(event, data)
    if not changes:
        raise DomainError(_("Nothing changed: the published version already says this."))
    # A newer edit supersedes a pending one, so staff review one coherent set of changes.
    superseded = db.session.execute(
        update(EventRevision)
        .where(EventRevision.event_id == event.id, EventRevision.status == RevisionStatus.PENDING)
        .values(status=RevisionStatus.WITHDRAWN)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    revision = EventRevision(event=event, proposer_id=getattr(actor, "id", None), data=changes)
    db.session.add(revision)
    db.session.flush()
    record(
        actor=actor,
        subject_type="event",
        subject_id=event.id,
        action="revision_proposed",
        from_state=event.status.value,
        to_state=event.status.value,
        details={"revision_id": revision.id, "fields": sorted(changes), "superseded": superseded},
    )
    notifications.revision_proposed(revision)
    return revision


def propose_translations(
    actor, event: Event, translations: dict[str, dict[str, str]], checked: list[str] = ()
) -> EventRevision | None:
    """Staff or a partner involved adds or corrects translations of a published event: a
    revision for staff like any other edit (a pending revision's other changes are kept in it,
    as a newer revision replaces the pending one). The original's author may mark translations
    checked at the same time; that alone needs no review (None)."""
    ensure_visible(actor, event)
    if not can_translate_event(actor, event):
        raise PermissionDenied(_("Only staff and the partners involved translate this event."))
    data = _deserialised_snapshot(event)
    pending = pending_revision(event)
    if pending is not None:
        data.update({name: _deserialise(name, value) for name, value in pending.data.items()})
    data["translations"] = translations
    marked = mark_checked_by_author(actor, event, checked)
    if marked:
        _record_checked(actor, event, marked)
        if not _revision_changes(event, data):
            return None
    return _propose_revision(actor, event, data)


def translations_in_review(event: Event) -> dict[str, dict[str, str]]:
    """The published translations as the pending revision would leave them: what the
    translation form starts from, so a translator builds on changes already proposed."""
    texts = event.translated_texts()
    pending = pending_revision(event)
    for key, text in (pending.data if pending is not None else {}).items():
        split = split_translation_key(key)
        if split is not None:
            field, language = split
            texts.setdefault(language, {})[field] = text
    return texts


def pending_revision(event: Event) -> EventRevision | None:
    return next((r for r in event.revisions if r.status == RevisionStatus.PENDING), None)


def revision_diff(revision: EventRevision) -> list[dict[str, Any]]:
    """Field by field: what the published version says and what the revision proposes."""
    from coordinator.activities.revision_wording import describe_value, field_label

    current = event_snapshot(revision.event)
    translated = sorted(
        (name for name in revision.data if split_translation_key(name)),
        key=_translation_order,
    )
    rows = []
    for name in [*EVENT_FIELDS, "language", *LIST_FIELDS, *translated]:
        if name not in revision.data:
            continue
        split = split_translation_key(name)
        rows.append(
            {
                "field": name,
                "label": field_label(name),
                "old": describe_value(name, current.get(name), revision.event),
                "new": describe_value(name, revision.data[name], revision.event),
                # A translation's text carries its language (lang on the diff's cells).
                "language": split[1] if split else None,
            }
        )
    return rows


def _translation_order(name: str) -> tuple[str, int]:
    field, language = split_translation_key(name)  # type: ignore[misc]
    order = Event.TRANSLATABLE.index(field) if field in Event.TRANSLATABLE else len(EVENT_FIELDS)
    return language, order


def _decide_revision(actor, revision: EventRevision, outcome: RevisionStatus, comment: str) -> None:
    event = revision.event
    ensure_visible(actor, event)
    if not can_review(actor):
        raise PermissionDenied(_("Only network staff decide on changes."))
    if event.status != Status.APPROVED:
        raise decided_already(event)
    comment = (comment or "").strip()
    if outcome != RevisionStatus.APPROVED and not comment:
        raise DomainError(_("Please say what should change or why."), field="comment")
    now = utcnow()
    won = db.session.execute(
        update(EventRevision)
        .where(EventRevision.id == revision.id, EventRevision.status == RevisionStatus.PENDING)
        .values(status=outcome, review_comment=comment, decided_by_id=actor.id, decided_dt=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        db.session.refresh(revision)
        raise _revision_decided_already(revision)
    if outcome == RevisionStatus.APPROVED:
        _apply_revision(event, revision.data, now, revision.proposer)
    db.session.refresh(revision)
    record(
        actor=actor,
        subject_type="event",
        subject_id=event.id,
        action=f"revision_{outcome.value}",
        from_state=event.status.value,
        to_state=event.status.value,
        comment=comment,
        details={"revision_id": revision.id, "fields": sorted(revision.data)},
    )
    notifications.revision_decided(revision, outcome == RevisionStatus.APPROVED, comment)
    db.session.flush()


def _apply_revision(event: Event, changes: dict[str, Any], now: datetime, author) -> None:
    scalars = {
        name: _deserialise(name, changes[name])
        for name in (*EVENT_FIELDS, "language")
        if name in changes
    }
    # The published event changes and its iCalendar SEQUENCE rises in one conditional UPDATE.
    applied = db.session.execute(
        update(Event)
        .where(Event.id == event.id, Event.status == Status.APPROVED)
        .values(sequence=Event.sequence + 1, updated_dt=now, **scalars)
        .execution_options(synchronize_session=False)
    ).rowcount
    if applied != 1:
        db.session.refresh(event)
        raise decided_already(event)
    db.session.refresh(event)
    apply_translation_changes(event, changes, author)
    if "theme_ids" in changes:
        event.themes = _active_themes(changes["theme_ids"])
    if "partner_ids" in changes:
        added = _set_partners(event, changes["partner_ids"])
        db.session.flush()
        _invite(event, added, now)


def approve_revision(actor, revision: EventRevision, comment: str = "") -> None:
    """Apply the changes to the published event and raise its sequence."""
    _decide_revision(actor, revision, RevisionStatus.APPROVED, comment)


def request_changes_revision(actor, revision: EventRevision, comment: str) -> None:
    """Send the changes back; the published version stays as it is."""
    _decide_revision(actor, revision, RevisionStatus.CHANGES_REQUESTED, comment)


def reject_revision(actor, revision: EventRevision, comment: str) -> None:
    """Refuse the changes; the published version stays as it is."""
    _decide_revision(actor, revision, RevisionStatus.REJECTED, comment)


# --- Joint projects: proposal and edits -----------------------------------------------------

PROJECT_FIELDS = ("title", "acronym", "summary", "description", "start_date", "end_date", "website")
RESERVED_SLUGS = {"new"}


def _unique_project_slug(base: str) -> str:
    base = slugify(base, max_length=100)
    slug, n = base, 2
    while (
        slug in RESERVED_SLUGS
        or db.session.scalar(select(Project.id).where(Project.slug == slug)) is not None
    ):
        slug, n = f"{base}-{n}", n + 1
    return slug


def propose_project(actor, data: dict[str, Any]) -> Project:
    """A draft joint project led by the proposer's partner."""
    if not can_propose_activity(actor):
        raise PermissionDenied(_("Only focal points of a partner propose joint projects."))
    project = Project(
        slug=_unique_project_slug(data["acronym"] or data["title"]),
        **{name: data[name] for name in PROJECT_FIELDS},
    )
    return _create_draft(actor, project, data)


def edit_project(actor, project: Project, data: dict[str, Any]) -> None:
    """Edit a draft or a proposal sent back (published projects are not edited here)."""
    ensure_visible(actor, project)
    if not can_edit_project(actor, project):
        raise PermissionDenied(_("This project cannot be edited now."))
    themes = _active_themes(data["theme_ids"])
    data = {**data, "partner_ids": _co_organiser_ids(data["partner_ids"], project.lead_partner_id)}
    _edit_in_place(actor, project, PROJECT_FIELDS, data, themes)


# --- The lifecycle ------------------------------------------------------------------------------


def transition(
    actor, activity: Event | Project, action: Action, comment: str = "", *, notify: bool = True
) -> None:
    """Move an event or project along the transition table, or raise (notify=False only for
    a history replayed long after the fact, such as the demo's: nobody is mailed).

    NotVisible (404) if the actor may not see it, PermissionDenied (403) if the table does not
    give the actor's role this action, ConflictError (409) if the state is not (or no longer)
    one the action starts from, DomainError on a missing required comment.
    """
    ensure_visible(actor, activity)
    rule = TRANSITIONS[action]
    if not actor_roles(actor, activity.lead_partner_id) & rule.actors:
        raise PermissionDenied(_("You may not do this here: “%(action)s”.", action=action.label))
    from_state = activity.status
    if from_state not in rule.from_states:
        raise decided_already(activity)
    comment = (comment or "").strip()
    if rule.comment_required and not comment:
        raise DomainError(
            _("Please give the reason for cancelling.")
            if action == Action.CANCEL
            else _("Please give a comment for the proposer."),
            field="comment",
        )
    if action == Action.APPROVE:
        _check_required_languages(activity)

    now = utcnow()
    model = type(activity)
    values: dict[str, Any] = {"status": rule.to_state, "status_changed_dt": now, "updated_dt": now}
    if action == Action.SUBMIT:
        values["submitted_dt"] = now
    elif action == Action.APPROVE:
        values["published_dt"] = now
        values["review_comment"] = comment
    elif action in (Action.REQUEST_CHANGES, Action.REJECT):
        values["review_comment"] = comment
    elif action == Action.CANCEL:
        values["cancelled_dt"] = now
        values["cancel_reason"] = comment
        if model is Event:
            values["sequence"] = Event.sequence + 1  # calendars must see the cancellation
    won = db.session.execute(
        update(model)
        .where(model.id == activity.id, model.status == from_state)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        db.session.refresh(activity)
        raise decided_already(activity)
    db.session.refresh(activity)
    record(
        actor=actor,
        subject_type=subject_type(activity),
        subject_id=activity.id,
        action=action.value,
        from_state=from_state.value,
        to_state=rule.to_state.value,
        comment=comment,
    )
    if action == Action.CANCEL:  # a cancelled event's pending revision closes with it
        close_pending_revision(activity, actor, now)

    if notify:
        _notify_transition(activity, action, actor, comment, from_state)
    if action == Action.SUBMIT:
        _invite(activity, activity.partner_links, now, notify)
    db.session.flush()


def _check_required_languages(activity: Event | Project) -> None:
    """Staff may require languages (REQUIRED_LANGUAGES) before anything is published."""
    missing = missing_required_languages(activity)
    if missing:
        raise DomainError(
            _(
                "This cannot be approved yet: it needs its title (and summary, if it has one) "
                "in %(languages)s. Request changes so the proposer adds them.",
                languages=", ".join(language_name(code) for code in missing),
            )
        )


def _notify_transition(activity, action: Action, actor, comment: str, from_state: Status) -> None:
    if action == Action.SUBMIT:
        notifications.proposal_submitted(
            activity, actor, resubmitted=from_state == Status.CHANGES_REQUESTED
        )
    elif action == Action.WITHDRAW and from_state == Status.SUBMITTED:
        notifications.proposal_withdrawn(activity)  # it leaves the staff's queue
    elif action in (Action.APPROVE, Action.REQUEST_CHANGES, Action.REJECT, Action.CANCEL):
        notifications.decision_made(activity, action, actor, comment)


def _invite(activity, links, now: datetime, notify: bool = True) -> None:
    """Ask newly named partners to confirm, once."""
    links = [link for link in links if link.invited_dt is None]
    if not links:
        return
    for link in links:
        link.invited_dt = now
    if notify:
        notifications.co_organisers_invited(activity, links)


# --- Co-organisers ----------------------------------------------------------------------------


def answer_co_organisation(actor, activity: Event | Project, confirm: bool) -> None:
    """A named partner's focal point confirms or declines (and may change the answer)."""
    ensure_visible(actor, activity)
    if not can_answer_co_organisation(actor, activity):
        if is_named_co_organiser(actor, activity):
            raise decided_already(activity)  # withdrawn, rejected or cancelled meanwhile
        raise PermissionDenied(
            _(
                "Only focal points of a named partner answer, while the "
                "activity is under review or published."
            )
        )
    model = type(activity)
    link_model = LINK_MODELS[model]
    owner_column = link_model.owner_id_column()
    answer = Confirmation.CONFIRMED if confirm else Confirmation.DECLINED
    # Conditional on the answer and on the activity still being alive, as the user saw them.
    changed = db.session.execute(
        update(link_model)
        .where(
            owner_column == activity.id,
            link_model.partner_id == actor.partner_id,
            link_model.confirmation != answer,
            owner_column.in_(
                select(model.id).where(model.id == activity.id, model.status.in_(ANSWERABLE_STATES))
            ),
        )
        .values(confirmation=answer, responded_by_id=actor.id, responded_dt=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.refresh(activity)
        if activity.status not in ANSWERABLE_STATES:
            raise decided_already(activity)
        raise _answered_already(activity, actor.partner_id, confirm)
    for link in activity.partner_links:
        db.session.refresh(link)
    if isinstance(activity, Event):
        # Public pages credit confirmed partners: calendars should refresh too.
        db.session.execute(
            update(Event)
            .where(Event.id == activity.id)
            .values(updated_dt=utcnow())
            .execution_options(synchronize_session=False)
        )
    record(
        actor=actor,
        subject_type=subject_type(activity),
        subject_id=activity.id,
        action=f"co_organiser_{answer.value}",
        from_state=activity.status.value,
        to_state=activity.status.value,
        details={"partner_id": actor.partner_id},
    )
    notifications.co_organiser_answered(activity, actor.partner, confirm, actor)
    db.session.flush()


def _answered_already(activity: Event | Project, partner_id: int, confirm: bool) -> ConflictError:
    """The 409 for an answer another focal point of the same partner gave meanwhile."""
    from coordinator.accounts.models import User

    link = next(link for link in activity.partner_links if link.partner_id == partner_id)
    db.session.refresh(link)
    responder = db.session.get(User, link.responded_by_id) if link.responded_by_id else None
    if responder is None:
        return ConflictError(
            _("Your partner already confirmed this.")
            if confirm
            else _("Your partner already declined this.")
        )
    when = local_datetime(link.responded_dt, "UTC")
    return ConflictError(
        _(
            "Someone decided this already: %(name)s confirmed for your partner (%(when)s UTC).",
            name=responder.name,
            when=when,
        )
        if confirm
        else _(
            "Someone decided this already: %(name)s declined for your partner (%(when)s UTC).",
            name=responder.name,
            when=when,
        )
    )
