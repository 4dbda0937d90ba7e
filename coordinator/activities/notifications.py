"""Who hears about what in the proposal workflow; every message goes through queue_mail."""

from __future__ import annotations

from collections.abc import Iterable

from flask import url_for
from sqlalchemy import select

from coordinator.accounts.models import Role, User
from coordinator.activities.models import Confirmation, Event, EventRevision
from coordinator.activities.workflow import Action
from coordinator.extensions import db
from coordinator.mail import queue_mail


def _kind(activity) -> str:
    return "event" if isinstance(activity, Event) else "joint project"


def manage_link(activity) -> str:
    endpoint = (
        "activities.manage_event" if isinstance(activity, Event) else "activities.manage_project"
    )
    key = "event_id" if isinstance(activity, Event) else "project_id"
    try:
        return url_for(endpoint, _external=True, **{key: activity.id})
    except RuntimeError:  # no request (CLI, worker thread) and no SERVER_NAME
        prefix = "events" if isinstance(activity, Event) else "projects"
        return f"/{prefix}/{activity.id}/manage"


def staff_users() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_([Role.STAFF, Role.ADMIN]), User.is_enabled)
            .order_by(User.id)
        )
    )


def focal_points_of(partner_ids: Iterable[int]) -> list[User]:
    ids = set(partner_ids)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(User.partner_id.in_(ids), User.role == Role.FOCAL_POINT, User.is_enabled)
            .order_by(User.id)
        )
    )


def lead_team(activity) -> list[User]:
    """The proposer's side: every focal point of the lead partner."""
    return focal_points_of([activity.lead_partner_id])


def co_organiser_team(activity) -> list[User]:
    """Focal points of named partners that have not declined."""
    return focal_points_of(
        link.partner_id
        for link in activity.partner_links
        if link.confirmation != Confirmation.DECLINED
    )


def _send(users: Iterable[User], subject: str, body: str, skip: User | None = None) -> None:
    seen: set[int] = set()
    for user in users:
        if user.id in seen or (skip is not None and user.id == skip.id):
            continue
        seen.add(user.id)
        queue_mail(user.email, subject, f"Hello {user.name},\n\n{body}\n", user=user)


def proposal_submitted(activity, actor, resubmitted: bool) -> None:
    verb = "resubmitted" if resubmitted else "submitted"
    _send(
        staff_users(),
        f"Proposal {verb}: {activity.title}",
        f"{activity.lead_partner.name} {verb} the {_kind(activity)} “{activity.title}” "
        "for review.\n"
        f"Review it: {manage_link(activity)}",
    )


def proposal_withdrawn(activity) -> None:
    _send(
        staff_users(),
        f"Proposal withdrawn: {activity.title}",
        f"{activity.lead_partner.name} withdrew the {_kind(activity)} “{activity.title}”; "
        "it no longer waits for review.",
    )


def co_organisers_invited(activity, links) -> None:
    partner_ids = [link.partner_id for link in links]
    _send(
        focal_points_of(partner_ids),
        f"Co-organise “{activity.title}”?",
        f"{activity.lead_partner.name} names your institution as a partner of the "
        f"{_kind(activity)} “{activity.title}”.\n"
        f"Please confirm or decline: {manage_link(activity)}",
    )


_DECISION_TEXT = {
    Action.APPROVE: ("approved and published", "Approved"),
    Action.REQUEST_CHANGES: ("sent back with requested changes", "Changes requested"),
    Action.REJECT: ("rejected", "Rejected"),
    Action.CANCEL: ("cancelled", "Cancelled"),
}


def decision_made(activity, action: Action, actor, comment: str) -> None:
    """The proposer's partner and the co-organisers hear of every decision and cancellation."""
    text, title = _DECISION_TEXT[action]
    label = "Reason" if action == Action.CANCEL else "Comment from the network staff"
    body = f"The {_kind(activity)} “{activity.title}” was {text}."
    if comment:
        body += f"\n\n{label}:\n{comment}"
    body += f"\n\nSee it: {manage_link(activity)}"
    _send([*lead_team(activity), *co_organiser_team(activity)], f"{title}: {activity.title}", body)


def co_organiser_answered(activity, partner, confirmed: bool, actor) -> None:
    answer = "confirmed" if confirmed else "declined"
    _send(
        lead_team(activity),
        f"{partner.name} {answer}: {activity.title}",
        f"{partner.name} {answer} co-organising “{activity.title}”.\n{manage_link(activity)}",
        skip=actor,
    )


def revision_proposed(revision: EventRevision) -> None:
    event = revision.event
    _send(
        staff_users(),
        f"Changes proposed to a published event: {event.title}",
        f"{event.lead_partner.name} proposed changes to the published event “{event.title}”.\n"
        f"The published version stays online until you decide.\nReview: {manage_link(event)}",
    )


def revision_decided(revision: EventRevision, approved: bool, comment: str) -> None:
    event = revision.event
    outcome = "approved and published" if approved else "not applied"
    body = f"The changes proposed to “{event.title}” were {outcome}."
    if comment:
        body += f"\n\nComment from the network staff:\n{comment}"
    body += f"\n\n{manage_link(event)}"
    recipients = [*lead_team(event)] + (co_organiser_team(event) if approved else [])
    _send(recipients, f"Changes {'approved' if approved else 'not applied'}: {event.title}", body)
