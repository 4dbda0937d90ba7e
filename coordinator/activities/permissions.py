"""Who may see events and projects. Views, list queries, templates and feeds all use these."""

from __future__ import annotations

import functools

from sqlalchemy import ColumnElement, and_

from coordinator.activities.models import (
    PUBLISHED_STATES,
    Event,
    EventRevision,
    Project,
    RevisionStatus,
    Status,
    Visibility,
)
from coordinator.db import is_one_of
from coordinator.roles import is_focal_point, is_staff
from coordinator.roles import is_lead_focal_point as _is_lead_focal_point
from coordinator.roles import is_signed_in as _is_signed_in


def published_events_clause(user) -> ColumnElement[bool]:
    """Events the user may see on public pages and feeds: published, and network-only
    ones only for signed-in users."""
    return published_events_clause_for(signed_in=_is_signed_in(user))


@functools.cache
def published_events_clause_for(*, signed_in: bool) -> ColumnElement[bool]:
    """published_events_clause for any user who is signed in, or not: all the rule depends
    on, for statements built once per process. Built once for each (a clause is immutable):
    every list builds its filters on it for each request."""
    clause = is_one_of(Event.status, PUBLISHED_STATES)
    if not signed_in:
        clause = and_(clause, Event.visibility == Visibility.PUBLIC)
    return clause


def public_events_clause() -> ColumnElement[bool]:
    """What anyone at all may see (anonymous pages, public feeds)."""
    return published_events_clause(None)


def published_projects_clause(user=None) -> ColumnElement[bool]:
    return is_one_of(Project.status, PUBLISHED_STATES)


def can_view_published_event(user, event: Event) -> bool:
    """The same rule as published_events_clause, for one loaded event."""
    if not event.is_published:
        return False
    return event.visibility == Visibility.PUBLIC or _is_signed_in(user)


def can_view_event(user, event: Event) -> bool:
    """Published events as above; unpublished ones only for staff (once submitted), the
    lead partner's focal points, and co-organisers' focal points (once submitted)."""
    from coordinator.activities.models import Status

    if can_view_published_event(user, event):
        return True
    if not _is_signed_in(user):
        return False
    if user.is_staff:
        return event.status != Status.DRAFT
    if user.partner_id is None:
        return False
    if user.partner_id == event.lead_partner_id:
        return True
    co_organiser_ids = {link.partner_id for link in event.partner_links}
    return user.partner_id in co_organiser_ids and event.status != Status.DRAFT


# --- The proposal workflow: who may manage, edit, decide and answer -----------------------
# Views guard with these, templates hide buttons with these, services re-check with these.


def _is_named_partner(user, activity) -> bool:
    if not is_focal_point(user):
        return False
    return any(link.partner_id == user.partner_id for link in activity.partner_links)


def is_named_co_organiser(user, activity) -> bool:
    """A focal point of a partner named on the activity, whatever its state (a state moved on
    is a conflict for them, not a refusal)."""
    return _is_named_partner(user, activity)


def holds_action(user, activity, action) -> bool:
    """Whether the user's role towards the activity is one the action is for, whatever its
    state: a state moved on is a conflict (409, someone decided already), not a refusal."""
    from coordinator.activities.workflow import TRANSITIONS, actor_roles

    return _is_signed_in(user) and bool(
        actor_roles(user, activity.lead_partner_id) & TRANSITIONS[action].actors
    )


def can_propose_activity(user) -> bool:
    """Focal points propose for their own partner; staff review rather than propose."""
    return is_focal_point(user)


def can_manage_event(user, event: Event) -> bool:
    """The workflow page (status, history, comments): the lead partner always, staff and
    co-organisers once the proposal has left the draft stage."""
    return _can_manage(user, event)


def can_manage_project(user, project: Project) -> bool:
    return _can_manage(user, project)


def _can_manage(user, activity) -> bool:
    from coordinator.activities.models import Status

    if not _is_signed_in(user):
        return False
    if _is_lead_focal_point(user, activity):
        return True
    if activity.status == Status.DRAFT:
        return False
    return bool(user.is_staff) or _is_named_partner(user, activity)


def can_view_project(user, project: Project) -> bool:
    return project.is_published or _can_manage(user, project)


def can_edit_event(user, event: Event) -> bool:
    """The lead partner edits a draft or a proposal sent back; an edit of a published
    event becomes a revision for staff to review."""
    from coordinator.activities.models import Status
    from coordinator.activities.workflow import EDITABLE_STATES

    return _is_lead_focal_point(user, event) and (
        event.status in EDITABLE_STATES or event.status == Status.APPROVED
    )


def can_translate_event(user, event: Event) -> bool:
    """Staff and the partners involved (the lead and the named co-organisers) add or correct
    translations of a published event; each such change is a revision staff review."""
    if event.status != Status.APPROVED or not _is_signed_in(user):
        return False
    return is_staff(user) or _is_lead_focal_point(user, event) or _is_named_partner(user, event)


def can_edit_project(user, project: Project) -> bool:
    from coordinator.activities.workflow import EDITABLE_STATES

    return _is_lead_focal_point(user, project) and project.status in EDITABLE_STATES


def can_perform(user, activity, action) -> bool:
    """Whether the user may take this workflow action on the activity now (the transition
    table in workflow.py is the rule)."""
    from coordinator.activities.workflow import may_perform

    return _is_signed_in(user) and may_perform(
        user, activity.lead_partner_id, activity.status, action
    )


def can_submit(user, activity) -> bool:
    from coordinator.activities.workflow import Action

    return can_perform(user, activity, Action.SUBMIT)


def can_withdraw(user, activity) -> bool:
    from coordinator.activities.workflow import Action

    return can_perform(user, activity, Action.WITHDRAW)


def can_decide(user, activity) -> bool:
    """Staff decide (approve, request changes, reject) on submitted proposals."""
    from coordinator.activities.workflow import Action

    return can_perform(user, activity, Action.APPROVE)


def can_cancel(user, activity) -> bool:
    from coordinator.activities.workflow import Action

    return can_perform(user, activity, Action.CANCEL)


def can_answer_co_organisation(user, activity) -> bool:
    """A named partner's focal points confirm or decline while the activity is alive."""
    from coordinator.activities.workflow import ANSWERABLE_STATES

    return _is_named_partner(user, activity) and activity.status in ANSWERABLE_STATES


def can_review(user) -> bool:
    return is_staff(user)


def can_decide_revision(user, revision) -> bool:
    """Staff decide a pending revision while its event is published (a cancelled event's
    revision is closed with the cancellation)."""
    return (
        can_review(user)
        and revision.status == RevisionStatus.PENDING
        and revision.event.status == Status.APPROVED
    )


def can_see_clashes(user, activity) -> bool:
    """The clash warning helps those who plan (the lead partner's focal points) and those who
    decide (staff)."""
    return is_staff(user) or _is_lead_focal_point(user, activity)


def plans_activity(user, activity) -> bool:
    """Whether the user plans the activity (None: the one they are proposing): its clashes are
    "yours" to them; staff read whose events clash instead."""
    return activity is None or _is_lead_focal_point(user, activity)


def revisions_awaiting_decision_clause() -> ColumnElement[bool]:
    """The SQL twin of can_decide_revision's state rule (the query joins Event)."""
    return and_(EventRevision.status == RevisionStatus.PENDING, Event.status == Status.APPROVED)


WORKFLOW_PREDICATES = (
    can_propose_activity,
    can_manage_event,
    can_manage_project,
    can_view_project,
    can_edit_event,
    can_edit_project,
    can_translate_event,
    can_perform,
    can_submit,
    can_withdraw,
    can_decide,
    can_cancel,
    can_answer_co_organisation,
    can_review,
    can_decide_revision,
    can_view_event,
    can_see_clashes,
    plans_activity,
)
