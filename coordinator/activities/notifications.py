"""Who hears about what in the proposal workflow; every notice goes through deliver_notice
(mailed at once, or held for a digest, as each recipient chose for its kind).

Each message is composed for its recipient, in the recipient's own language (their saved
choice, else the default): the staff told of a submission may each read a different one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from coordinator import i18n
from coordinator.accounts.models import Role, User
from coordinator.accounts.notices import NoticeKind, deliver_notice
from coordinator.activities.models import Confirmation, Event, EventRevision
from coordinator.activities.workflow import Action
from coordinator.extensions import db
from coordinator.multilingual import localized_text
from coordinator.urls import absolute_url


def manage_link(activity) -> str:
    endpoint = (
        "activities.manage_event" if isinstance(activity, Event) else "activities.manage_project"
    )
    key = "event_id" if isinstance(activity, Event) else "project_id"
    return absolute_url(endpoint, **{key: activity.id})


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


# A composer returns (subject, body) in whatever language is active when it is called.
Composer = Callable[[], tuple[str, str]]


def notify(
    users: Iterable[User], kind: NoticeKind, compose: Composer, skip: User | None = None
) -> None:
    """Compose the notice for each recipient in their language; each one's preference for the
    kind says whether it is mailed at once, held for their digest or dropped."""
    seen: set[int] = set()
    for user in users:
        if user.id in seen or (skip is not None and user.id == skip.id):
            continue
        seen.add(user.id)
        with force_locale(i18n.locale_for(user)):
            subject, body = compose()
            greeting = _("Hello %(name)s,", name=user.name)
        deliver_notice(user, kind, subject, body, greeting)


def _names(activity, partner=None) -> dict[str, str]:
    """The activity's title and a partner's name (default: the lead's) in the language being
    written, the recipient's (plain text: a missing translation reads as the original)."""
    return {
        "partner": localized_text(partner or activity.lead_partner, "name"),
        "title": localized_text(activity, "title"),
    }


def _is_event(activity) -> bool:
    return isinstance(activity, Event)


def proposal_submitted(activity, actor, resubmitted: bool) -> None:
    link = manage_link(activity)

    def compose() -> tuple[str, str]:
        values = _names(activity)
        if resubmitted:
            subject = _("Proposal resubmitted: %(title)s", **values)
            body = (
                _("%(partner)s resubmitted the event “%(title)s” for review.", **values)
                if _is_event(activity)
                else _(
                    "%(partner)s resubmitted the joint project “%(title)s” for review.", **values
                )
            )
        else:
            subject = _("Proposal submitted: %(title)s", **values)
            body = (
                _("%(partner)s submitted the event “%(title)s” for review.", **values)
                if _is_event(activity)
                else _("%(partner)s submitted the joint project “%(title)s” for review.", **values)
            )
        return subject, body + "\n" + _("Review it: %(link)s", link=link)

    notify(staff_users(), NoticeKind.DECISIONS, compose)


def proposal_withdrawn(activity) -> None:
    def compose() -> tuple[str, str]:
        values = _names(activity)
        body = (
            _(
                "%(partner)s withdrew the event “%(title)s”; it no longer waits for review.",
                **values,
            )
            if _is_event(activity)
            else _(
                "%(partner)s withdrew the joint project “%(title)s”; "
                "it no longer waits for review.",
                **values,
            )
        )
        return _("Proposal withdrawn: %(title)s", **values), body

    notify(staff_users(), NoticeKind.DECISIONS, compose)


def co_organisers_invited(activity, links) -> None:
    partner_ids = [link.partner_id for link in links]
    link = manage_link(activity)

    def compose() -> tuple[str, str]:
        values = _names(activity)
        body = (
            _(
                "%(partner)s names your institution as a partner of the event “%(title)s”.",
                **values,
            )
            if _is_event(activity)
            else _(
                "%(partner)s names your institution as a partner of the joint project “%(title)s”.",
                **values,
            )
        )
        return (
            _("Co-organise “%(title)s”?", **values),
            body + "\n" + _("Please confirm or decline: %(link)s", link=link),
        )

    notify(focal_points_of(partner_ids), NoticeKind.CO_ORGANISER_REQUESTS, compose)


def _decision_subject(action: Action, title: str) -> str:
    return {
        Action.APPROVE: _("Approved: %(title)s", title=title),
        Action.REQUEST_CHANGES: _("Changes requested: %(title)s", title=title),
        Action.REJECT: _("Rejected: %(title)s", title=title),
        Action.CANCEL: _("Cancelled: %(title)s", title=title),
    }[action]


def _decision_sentence(action: Action, is_event: bool, title: str) -> str:
    """Whole sentences per kind: "event" and "joint project" differ in gender elsewhere."""
    if is_event:
        sentences = {
            Action.APPROVE: _("The event “%(title)s” was approved and published.", title=title),
            Action.REQUEST_CHANGES: _(
                "The event “%(title)s” was sent back with requested changes.", title=title
            ),
            Action.REJECT: _("The event “%(title)s” was rejected.", title=title),
            Action.CANCEL: _("The event “%(title)s” was cancelled.", title=title),
        }
    else:
        sentences = {
            Action.APPROVE: _(
                "The joint project “%(title)s” was approved and published.", title=title
            ),
            Action.REQUEST_CHANGES: _(
                "The joint project “%(title)s” was sent back with requested changes.",
                title=title,
            ),
            Action.REJECT: _("The joint project “%(title)s” was rejected.", title=title),
            Action.CANCEL: _("The joint project “%(title)s” was cancelled.", title=title),
        }
    return sentences[action]


def decision_made(activity, action: Action, actor, comment: str) -> None:
    """The proposer's partner and the co-organisers hear of every decision and cancellation."""
    link = manage_link(activity)

    def compose() -> tuple[str, str]:
        title = localized_text(activity, "title")
        body = _decision_sentence(action, _is_event(activity), title)
        if comment:
            label = (
                _("Reason:") if action == Action.CANCEL else _("Comment from the network staff:")
            )
            body += f"\n\n{label}\n{comment}"
        body += "\n\n" + _("See it: %(link)s", link=link)
        return _decision_subject(action, title), body

    notify([*lead_team(activity), *co_organiser_team(activity)], NoticeKind.DECISIONS, compose)


def co_organiser_answered(activity, partner, confirmed: bool, actor) -> None:
    link = manage_link(activity)

    def compose() -> tuple[str, str]:
        values = _names(activity, partner)
        if confirmed:
            subject = _("%(partner)s confirmed: %(title)s", **values)
            body = _("%(partner)s confirmed co-organising “%(title)s”.", **values)
        else:
            subject = _("%(partner)s declined: %(title)s", **values)
            body = _("%(partner)s declined co-organising “%(title)s”.", **values)
        return subject, f"{body}\n{link}"

    notify(lead_team(activity), NoticeKind.CO_ORGANISER_REQUESTS, compose, skip=actor)


def revision_proposed(revision: EventRevision) -> None:
    event = revision.event
    link = manage_link(event)

    def compose() -> tuple[str, str]:
        values = _names(event)
        body = "\n".join(
            (
                _("%(partner)s proposed changes to the published event “%(title)s”.", **values),
                _("The published version stays online until you decide."),
                _("Review: %(link)s", link=link),
            )
        )
        return _("Changes proposed to a published event: %(title)s", **values), body

    notify(staff_users(), NoticeKind.REVISIONS, compose)


def revision_decided(revision: EventRevision, approved: bool, comment: str) -> None:
    event = revision.event
    link = manage_link(event)

    def compose() -> tuple[str, str]:
        title = localized_text(event, "title")
        if approved:
            subject = _("Changes approved: %(title)s", title=title)
            body = _(
                "The changes proposed to “%(title)s” were approved and published.",
                title=title,
            )
        else:
            subject = _("Changes not applied: %(title)s", title=title)
            body = _("The changes proposed to “%(title)s” were not applied.", title=title)
        if comment:
            body += "\n\n" + _("Comment from the network staff:") + f"\n{comment}"
        return subject, f"{body}\n\n{link}"

    recipients = [*lead_team(event)] + (co_organiser_team(event) if approved else [])
    notify(recipients, NoticeKind.REVISIONS, compose)
