"""The lifecycle of proposals: the one table saying which action moves which state, and who may.

Services (coordinator.activities.services) perform transitions; permissions
(coordinator.activities.permissions) answer "may this user do it now?". Both read this table,
so the rule lives here and nowhere else.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import gettext as _

from coordinator.activities.models import Confirmation, Status
from coordinator.roles import is_focal_point_of, is_staff


class Action(enum.StrEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    CANCEL = "cancel"

    @property
    def label(self) -> str:
        """The button's words in the current language (read at request time, never cached)."""
        return {
            "submit": _("Submit for review"),
            "withdraw": _("Withdraw"),
            "approve": _("Approve and publish"),
            "request_changes": _("Request changes"),
            "reject": _("Reject"),
            "cancel": _("Cancel the activity"),
        }[self.value]

    @property
    def slug(self) -> str:
        """The form used in URLs (/events/1/request-changes)."""
        return self.value.replace("_", "-")

    @classmethod
    def from_slug(cls, slug: str) -> Action | None:
        try:
            return cls(slug.replace("-", "_"))
        except ValueError:
            return None


class Actor(enum.StrEnum):
    """Who, relative to one activity, may perform a transition."""

    LEAD = "lead"  # a focal point of the lead partner
    STAFF = "staff"  # staff or admin of the network


@dataclass(frozen=True)
class Transition:
    action: Action
    from_states: frozenset[Status]
    to_state: Status
    actors: frozenset[Actor]
    comment_required: bool = False


def _t(action, from_states, to_state, actors, comment_required=False) -> Transition:
    return Transition(action, frozenset(from_states), to_state, frozenset(actors), comment_required)


TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        _t(Action.SUBMIT, {Status.DRAFT, Status.CHANGES_REQUESTED}, Status.SUBMITTED, {Actor.LEAD}),
        # Only undecided proposals can be withdrawn; a published one is cancelled instead.
        _t(
            Action.WITHDRAW,
            {Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED},
            Status.WITHDRAWN,
            {Actor.LEAD},
        ),
        _t(Action.APPROVE, {Status.SUBMITTED}, Status.APPROVED, {Actor.STAFF}),
        _t(
            Action.REQUEST_CHANGES,
            {Status.SUBMITTED},
            Status.CHANGES_REQUESTED,
            {Actor.STAFF},
            comment_required=True,
        ),
        _t(
            Action.REJECT, {Status.SUBMITTED}, Status.REJECTED, {Actor.STAFF}, comment_required=True
        ),
        _t(
            Action.CANCEL,
            {Status.APPROVED},
            Status.CANCELLED,
            {Actor.LEAD, Actor.STAFF},
            comment_required=True,
        ),
    )
}

# The states in which the lead partner edits the proposal itself (not through a revision).
EDITABLE_STATES = frozenset({Status.DRAFT, Status.CHANGES_REQUESTED})
# Co-organisers may answer while the activity is alive.
ANSWERABLE_STATES = frozenset({Status.SUBMITTED, Status.CHANGES_REQUESTED, Status.APPROVED})
# Decisions of staff (they notify the lead and the co-organisers).
DECISIONS = frozenset({Action.APPROVE, Action.REQUEST_CHANGES, Action.REJECT})


def actor_roles(user, lead_partner_id: int) -> set[Actor]:
    """The roles a user holds towards an activity led by lead_partner_id."""
    roles: set[Actor] = set()
    if is_staff(user):
        roles.add(Actor.STAFF)
    if is_focal_point_of(user, lead_partner_id):
        roles.add(Actor.LEAD)
    return roles


def may_perform(user, lead_partner_id: int, status: Status, action: Action) -> bool:
    transition = TRANSITIONS[action]
    return status in transition.from_states and bool(
        actor_roles(user, lead_partner_id) & transition.actors
    )


def confirmation_label(confirmation: Confirmation | str) -> str:
    """A co-organiser's answer in the current language."""
    value = getattr(confirmation, "value", confirmation)
    return {
        "pending": _("Pending"),
        "confirmed": _("Confirmed"),
        "declined": _("Declined"),
    }.get(value, str(value))


def history_action_label(action: str) -> str:
    """An audit entry's action as the history shows it (the stored names stay English)."""
    labels = {
        "create": _("created"),
        "edit": _("edited"),
        "submit": _("submitted for review"),
        "withdraw": _("withdrawn"),
        "approve": _("approved and published"),
        "request_changes": _("request changes"),
        "reject": _("rejected"),
        "cancel": _("cancelled"),
        "revision_proposed": _("changes proposed"),
        "revision_approved": _("changes approved"),
        "revision_changes_requested": _("changes sent back"),
        "revision_rejected": _("changes rejected"),
        "translations_checked": _("translations checked by their author"),
        "co_organiser_confirmed": _("co-organising confirmed"),
        "co_organiser_declined": _("co-organising declined"),
    }
    return labels.get(action, action.replace("_", " "))


def state_label(state: str) -> str:
    """A stored state name (history entries keep strings) as its label."""
    try:
        return Status(state).label
    except ValueError:
        return state.replace("_", " ")
