"""The digests: which day or week, what changed in it, and sending each period once.

A period is a local day or week (Monday to Monday) in the recipient's zone, from local
midnight to local midnight: 23 or 25 hours across a DST change, and weeks and days cross
month ends like any other. Each run sends the last *completed* period of every recipient,
and only once: a digests_sent row is claimed (unique per recipient, period and start) before
anything is composed, so a second run, or two workers at once, send nothing twice.

What a digest holds:
- upcoming events the recipient may see, published (or changed) within the period, that
  match something they follow; newest change first, grouped by the first follow they match
  (so each event appears once, however often it changed and however many follows it matches);
  titles, partners', themes' and projects' names in the recipient's language (their
  translation, else the original marked with its language: "(in French)");
- for a signed-in user, the workflow notices they chose to collect into this period's digest,
  each carried once (the same notices they would have had one by one).
An empty digest is not sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from coordinator import i18n, times
from coordinator.accounts.models import User
from coordinator.accounts.notices import Delivery, HeldNotice, held_notices
from coordinator.activities.models import Confirmation, Event, Status
from coordinator.activities.permissions import published_events_clause
from coordinator.audit.models import AuditEntry
from coordinator.db import utcnow
from coordinator.extensions import db
from coordinator.following.models import DigestSent, DigestSubscription, Follow, FollowKind, Period
from coordinator.following.queries import (
    digest_period_of,
    find_target,
    followed_keys,
    subscription_follower,
    target_name,
    user_follower,
)
from coordinator.following.services import (
    Recipient,
    preferences_url,
    recipient_of_subscription,
    recipient_of_user,
    unsubscribe_url,
)
from coordinator.mail import queue_mail
from coordinator.multilingual import language_name, localized
from coordinator.urls import absolute_url

# Audit actions that make an event news: published, changed once published, cancelled.
NEW_ACTIONS = ("approve",)
CHANGE_ACTIONS = ("revision_approved", "edit", "cancel")


# --- Periods ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """A completed period in UTC instants, [start, end), with the local days it covers."""

    period: Period
    start: datetime
    end: datetime
    first_day: date
    last_day: date  # inclusive


def last_completed(period: Period, now: datetime, zone_name: str) -> Window:
    """The last day (or Monday-to-Monday week) that has ended in zone_name by `now`."""
    zone = times.get_zone(zone_name)
    today = now.astimezone(zone).date()
    if period == Period.DAILY:
        end_day = today
        start_day = today - timedelta(days=1)
    else:
        end_day = today - timedelta(days=today.weekday())
        start_day = end_day - timedelta(days=7)
    return Window(
        period,
        times.local_midnight_utc(start_day, zone_name),
        times.local_midnight_utc(end_day, zone_name),
        start_day,
        end_day - timedelta(days=1),
    )


# --- What a digest holds --------------------------------------------------------------------------


@dataclass
class Item:
    event: Event
    is_new: bool
    changed_dt: datetime


@dataclass
class Group:
    kind: FollowKind
    name: str
    items: list[Item] = field(default_factory=list)


@dataclass
class Digest:
    groups: list[Group]
    notices: list[HeldNotice]

    @property
    def item_count(self) -> int:
        return sum(len(group.items) for group in self.groups) + len(self.notices)


def event_keys(event: Event) -> set[tuple[FollowKind, str]]:
    """Every follow an event matches: its partners (lead, and co-organisers not declined),
    themes, project and country."""
    keys = {(FollowKind.PARTNER, str(event.lead_partner_id))}
    keys.update(
        (FollowKind.PARTNER, str(link.partner_id))
        for link in event.partner_links
        if link.confirmation != Confirmation.DECLINED
    )
    keys.update((FollowKind.THEME, str(theme.id)) for theme in event.themes)
    if event.project_id is not None:
        keys.add((FollowKind.PROJECT, str(event.project_id)))
    if event.country:
        keys.add((FollowKind.COUNTRY, event.country))
    return keys


def news_in(window: Window, viewer, now: datetime) -> list[Item]:
    """Upcoming events the viewer may see that were published or changed within the window,
    each once (at its latest change in the window), newest first."""
    rows = db.session.execute(
        select(AuditEntry.subject_id, AuditEntry.action, AuditEntry.created_dt).where(
            AuditEntry.subject_type == "event",
            AuditEntry.action.in_(NEW_ACTIONS + CHANGE_ACTIONS),
            AuditEntry.created_dt >= window.start,
            AuditEntry.created_dt < window.end,
        )
    ).all()
    latest: dict[int, datetime] = {}
    new_ids: set[int] = set()
    for event_id, action, created_dt in rows:
        latest[event_id] = max(created_dt, latest.get(event_id, created_dt))
        if action in NEW_ACTIONS:
            new_ids.add(event_id)
    if not latest:
        return []
    events = db.session.scalars(
        select(Event)
        .where(Event.id.in_(latest), published_events_clause(viewer), Event.end_dt > now)
        .options(selectinload(Event.themes), selectinload(Event.partner_links))
    ).all()
    items = [Item(event, event.id in new_ids, latest[event.id]) for event in events]
    items.sort(key=lambda item: (item.changed_dt, item.event.id), reverse=True)
    return items


def group_by_follow(
    items: Iterable[Item], follows: set[tuple[FollowKind, str]], viewer, language: str
) -> list[Group]:
    """Each item under the first of the recipient's follows it matches (follows in order of
    kind, then name in the recipient's language), so it appears once; items matching nothing
    followed are left out."""
    named = []
    for kind, key in follows:
        target = find_target(kind, key, viewer)
        if target is not None:
            named.append((kind, key, target_name(kind, target, language)))
    order = list(FollowKind)
    named.sort(key=lambda n: (order.index(n[0]), i18n.collation_key(n[2])))
    groups = {(kind, key): Group(kind, name) for kind, key, name in named}
    for item in items:
        matched = event_keys(item.event)
        for kind, key, _name in named:
            if (kind, key) in matched:
                groups[(kind, key)].items.append(item)
                break
    return [group for group in groups.values() if group.items]


def compose(
    window: Window, follows, viewer, notices: list[HeldNotice], now: datetime, language: str
) -> Digest:
    """A digest's content; call inside the recipient's locale (names are localised)."""
    groups = (
        group_by_follow(news_in(window, viewer, now), follows, viewer, language) if follows else []
    )
    return Digest(groups, notices)


# --- Writing it ---------------------------------------------------------------------------------


def _group_heading(group: Group) -> str:
    labels = {
        FollowKind.PARTNER: _("Partner: %(name)s", name=group.name),
        FollowKind.THEME: _("Theme: %(name)s", name=group.name),
        FollowKind.PROJECT: _("Joint project: %(name)s", name=group.name),
        FollowKind.COUNTRY: _("Country: %(name)s", name=group.name),
    }
    return labels[group.kind]


def _title(event: Event, language: str) -> str:
    """The event's title in the recipient's language, or its original marked "(in French)"."""
    title = localized(event, "title", language)
    if not title.is_fallback:
        return title.text
    marker = _("in %(language)s", language=language_name(title.language, language))
    return f"{title.text} ({marker})"


def _item_lines(item: Item, language: str) -> list[str]:
    """An event's lines: what happened, its title, when (in its own zone, named), its page."""
    event = item.event
    if event.status == Status.CANCELLED:
        marker = _("Cancelled")
    else:
        marker = _("New") if item.is_new else _("Changed")
    when = (
        i18n.format_day_span(event.start_date, event.end_date)
        if event.is_all_day and event.start_date and event.end_date
        else i18n.format_span(event.start_dt, event.end_dt, event.timezone)
    )
    return [
        f"- [{marker}] {_title(event, language)}",
        f"  {when}",
        f"  {absolute_url('activities.event', event_id=event.id)}",
    ]


def render(digest: Digest, window: Window, recipient: Recipient, name: str | None, language: str):
    """(subject, body) in the active locale."""
    first = i18n.format_day(window.first_day)
    last = i18n.format_day(window.last_day)
    span = first if first == last else f"{first} – {last}"
    if window.period == Period.DAILY:
        subject = _("Your daily digest: %(span)s", span=span)
    else:
        subject = _("Your weekly digest: %(span)s", span=span)
    lines = [_("Hello %(name)s,", name=name) if name else _("Hello,"), ""]
    if digest.groups:
        lines += [_("New and changed events you follow, %(span)s:", span=span), ""]
        for group in digest.groups:
            lines.append(f"== {_group_heading(group)} ==")
            for item in group.items:
                lines += _item_lines(item, language)
            lines.append("")
    if digest.notices:
        lines += [_("Notices you chose to receive in this digest:"), ""]
        for notice in digest.notices:
            lines += [f"== {notice.subject} ==", notice.body_text.strip(), ""]
    lines += [
        "-- ",
        _("Choose what you receive: %(link)s", link=preferences_url(recipient)),
        _("Unsubscribe: %(link)s", link=unsubscribe_url(recipient)),
    ]
    return subject, "\n".join(lines) + "\n"


def list_headers(recipient: Recipient) -> dict[str, str]:
    """RFC 2369 / RFC 8058: one-click unsubscribe by an https POST (and a mailto when the app
    has an address for it)."""
    targets = [f"<{unsubscribe_url(recipient)}>"]
    address = current_app.config.get("MAIL_UNSUBSCRIBE_ADDRESS")
    if address:
        targets.append(f"<mailto:{address}?subject=unsubscribe>")
    return {
        "List-Unsubscribe": ", ".join(targets),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# --- Sending ---------------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: int = 0
    empty: int = 0
    already: int = 0

    def __str__(self) -> str:
        return f"{self.sent} digest(s) sent, {self.empty} empty, {self.already} already sent"


def _claim(recipient_key: str, window: Window) -> DigestSent | None:
    """The row of this recipient's period, or None when another run has it already."""
    exists = db.session.scalar(
        select(DigestSent.id).where(
            DigestSent.recipient == recipient_key,
            DigestSent.period == window.period,
            DigestSent.period_start == window.start,
        )
    )
    if exists is not None:
        return None
    row = DigestSent(
        recipient=recipient_key,
        period=window.period,
        period_start=window.start,
        period_end=window.end,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return None
    return row


def _send_one(
    row: DigestSent,
    window: Window,
    recipient: Recipient,
    *,
    email: str,
    name: str | None,
    language: str,
    follows,
    viewer,
    notices: list[HeldNotice],
    now: datetime,
    user=None,
) -> bool:
    with force_locale(language):
        digest = compose(window, follows, viewer, notices, now, language)
        row.item_count = digest.item_count
        if not digest.item_count:
            return False
        subject, body = render(digest, window, recipient, name, language)
    message = queue_mail(email, subject, body, user=user, headers=list_headers(recipient))
    row.message_id = message.id
    for notice in notices:
        notice.digest_id = row.id
    return True


def _user_zone(user) -> str:
    partner = getattr(user, "partner", None)
    zone = getattr(partner, "timezone", None)
    return zone if times.is_known_zone(zone) else current_app.config["DEFAULT_TIMEZONE"]


def _tally(report: SendReport, row: DigestSent | None, sent: bool) -> None:
    if row is None:
        report.already += 1
    elif sent:
        report.sent += 1
    else:
        report.empty += 1


def _send_to_user(user: User, now: datetime, report: SendReport) -> None:
    follow_period = digest_period_of(user)
    follows = followed_keys(user_follower(user))
    zone = _user_zone(user)
    for period in Period:
        window = last_completed(period, now, zone)
        notices = held_notices(user.id, Delivery(period.value), window.end)
        wanted = follows if follow_period == period else set()
        if not wanted and not notices:
            continue
        row = _claim(user_follower(user), window)
        sent = row is not None and _send_one(
            row,
            window,
            recipient_of_user(user),
            email=user.email,
            name=user.name,
            language=i18n.locale_for(user),
            follows=wanted,
            viewer=user,
            notices=notices,
            now=now,
            user=user,
        )
        _tally(report, row, sent)
        db.session.commit()


def _send_to_subscription(subscription: DigestSubscription, now: datetime, report) -> None:
    zone = subscription.timezone
    if not times.is_known_zone(zone):
        zone = current_app.config["DEFAULT_TIMEZONE"]
    window = last_completed(subscription.period, now, zone)
    recipient = recipient_of_subscription(subscription)
    row = _claim(recipient.key, window)
    sent = row is not None and _send_one(
        row,
        window,
        recipient,
        email=subscription.email,
        name=None,
        language=i18n.supported_language(subscription.language)
        or current_app.config["BABEL_DEFAULT_LOCALE"],
        follows=followed_keys(subscription_follower(subscription)),
        viewer=None,
        notices=[],
        now=now,
    )
    _tally(report, row, sent)
    db.session.commit()


def send_due_digests(now: datetime | None = None) -> SendReport:
    """Send every recipient's last completed period not sent yet. Needs an app context."""
    now = now or utcnow()
    report = SendReport()
    user_ids = set(
        db.session.scalars(select(Follow.user_id).where(Follow.user_id.is_not(None)))
    ) | set(db.session.scalars(select(HeldNotice.user_id).where(HeldNotice.digest_id.is_(None))))
    for user_id in sorted(user_ids):
        user = db.session.get(User, user_id)
        if user is not None and user.is_enabled:
            _send_to_user(user, now, report)
    subscriptions = db.session.scalars(
        select(DigestSubscription)
        .where(
            DigestSubscription.confirmed_dt.is_not(None),
            DigestSubscription.unsubscribed_dt.is_(None),
        )
        .order_by(DigestSubscription.id)
    ).all()
    for subscription in subscriptions:
        _send_to_subscription(subscription, now, report)
    db.session.commit()
    return report
