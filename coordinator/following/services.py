"""Every change to follows and digest subscriptions. Services flush; the view commits.

Links in digests are signed (itsdangerous, the app's SECRET_KEY) around the recipient and a
per-recipient secret: a link cannot be made for someone else, a tampered one is refused, and
replacing the secret kills every link mailed before. Confirmation links are single random
tokens (coordinator.tokens), only their hash stored, with an expiry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from coordinator.accounts.models import User
from coordinator.accounts.notices import (
    DIGEST_PERIODS,
    Delivery,
    NoticeKind,
    preferences_of,
    set_preferences,
)
from coordinator.db import utcnow
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.following.models import (
    DigestSubscription,
    Follow,
    FollowerSettings,
    FollowKind,
    Period,
)
from coordinator.following.queries import (
    find_target,
    preferences_secret,
    subscription_follower,
    user_follower,
)
from coordinator.mail import queue_mail
from coordinator.tokens import hash_token, new_token, new_token_and_hash, same_token
from coordinator.urls import absolute_url

_LINK_SALT = "coordinator.following.digest-link"


# --- Following from the pages ---------------------------------------------------------------


class NothingToFollow(DomainError):
    status_code = 404


def follow(user, kind: FollowKind, key: str) -> None:
    """Follow a partner, theme, project or country (following it again changes nothing)."""
    target = find_target(kind, key, user)
    if target is None:
        raise NothingToFollow(_("There is nothing to follow here."))
    key = target if kind == FollowKind.COUNTRY else str(target.id)
    follower = user_follower(user)
    exists = db.session.scalar(
        select(Follow.id).where(Follow.follower == follower, Follow.kind == kind, Follow.key == key)
    )
    if exists is not None:
        return
    try:
        with db.session.begin_nested():  # a double click racing itself: one row
            db.session.add(Follow(user_id=user.id, follower=follower, kind=kind, key=key))
    except IntegrityError:
        pass


def unfollow(user, kind: FollowKind, key: str) -> None:
    """Stop following (what was not followed stays not followed)."""
    db.session.execute(
        delete(Follow).where(
            Follow.follower == user_follower(user),
            Follow.kind == kind,
            Follow.key == (key.upper() if kind == FollowKind.COUNTRY else key),
        )
    )


def _user_settings(user) -> FollowerSettings:
    """The user's settings row, made on first need (daily digest, a fresh link secret)."""
    settings = db.session.get(FollowerSettings, user.id)
    if settings is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    FollowerSettings(user_id=user.id, period=Period.DAILY, secret=new_token())
                )
        except IntegrityError:
            pass  # another request or worker made it at the same moment: use theirs
        settings = db.session.get(FollowerSettings, user.id)
    return settings


def set_digest_period(user, period: Period | None) -> None:
    _user_settings(user).period = period


def save_notice_preferences(user, choices: dict[NoticeKind, Delivery]) -> None:
    set_preferences(user, choices)


# --- Signed links of digests --------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """Whom a digest goes to: a signed-in user or a subscription, with the secret of its links."""

    key: str  # "user:<id>" or "subscription:<id>"
    secret: str


def recipient_of_user(user) -> Recipient:
    return Recipient(user_follower(user), _user_settings(user).secret)


def recipient_of_subscription(subscription: DigestSubscription) -> Recipient:
    return Recipient(subscription_follower(subscription), subscription.secret)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_LINK_SALT)


def link_token(recipient: Recipient) -> str:
    # A hash of the secret, not the secret: the token is readable (only signed).
    return _serializer().dumps([recipient.key, hash_token(recipient.secret)[:32]])


class LinkRefused(DomainError):
    status_code = 400


def recipient_of_token(token: str) -> tuple[str, object]:
    """("user", User) or ("subscription", DigestSubscription) a signed link names; LinkRefused
    when it is tampered with, made for a secret since replaced, or names nobody."""
    refused = LinkRefused(_("This link is not valid. Use the latest link we sent you."))
    try:
        key, secret_hash = _serializer().loads(token)
        kind, _sep, raw_id = str(key).partition(":")
        record_id = int(raw_id)
    except (BadSignature, ValueError, TypeError):
        raise refused from None
    secret = preferences_secret(kind, record_id)
    if secret is None or not same_token(str(secret_hash), hash_token(secret)[:32]):
        raise refused
    model = User if kind == "user" else DigestSubscription
    return kind, db.session.get(model, record_id)


def unsubscribe_url(recipient: Recipient) -> str:
    return absolute_url("following.unsubscribe", token=link_token(recipient))


def preferences_url(recipient: Recipient) -> str:
    if recipient.key.startswith("user:"):
        return absolute_url("following.my_following")
    return absolute_url("following.subscription_preferences", token=link_token(recipient))


def unsubscribe(token: str) -> None:
    """One click: the subscription ends (clicking again changes nothing; its preferences link
    then says it has ended), or a user's digests
    stop: no digest of follows, and the notices they had collected into digests are dropped
    (the preferences page turns them back on)."""
    kind, record = recipient_of_token(token)
    if kind == "subscription":
        record.unsubscribed_dt = record.unsubscribed_dt or utcnow()
        return
    set_digest_period(record, None)
    set_preferences(
        record,
        {k: Delivery.NONE for k, d in preferences_of(record).items() if d in DIGEST_PERIODS},
    )


# --- Subscriptions by e-mail ------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    partner_ids: list[int]
    theme_ids: list[int]
    countries: list[str]
    period: Period


def _replace_choices(subscription: DigestSubscription, choices: Choices) -> None:
    follower = subscription_follower(subscription)
    db.session.execute(delete(Follow).where(Follow.follower == follower))
    wanted = [
        *((FollowKind.PARTNER, str(i)) for i in choices.partner_ids),
        *((FollowKind.THEME, str(i)) for i in choices.theme_ids),
        *((FollowKind.COUNTRY, c.upper()) for c in choices.countries),
    ]
    for kind, key in dict.fromkeys(wanted):
        if find_target(kind, key) is not None:
            db.session.add(
                Follow(subscription_id=subscription.id, follower=follower, kind=kind, key=key)
            )
    subscription.period = choices.period
    db.session.flush()


def request_subscription(email: str, choices: Choices, language: str, timezone: str) -> None:
    """Start a subscription and mail its confirmation link, unless a confirmation is already on
    its way or the address is subscribed: the caller answers the same either way, so nobody
    learns whether an address is subscribed, and nobody gets two confirmations."""
    email = email.strip().lower()
    now = utcnow()
    subscription = db.session.scalar(
        select(DigestSubscription).where(DigestSubscription.email == email)
    )
    if subscription is not None:
        if subscription.is_active:
            return
        pending = subscription.confirmed_dt is None and subscription.unsubscribed_dt is None
        if pending and subscription.confirm_expires_dt and subscription.confirm_expires_dt > now:
            return
    else:
        subscription = DigestSubscription(
            email=email, secret=new_token(), language=language, timezone=timezone
        )
        try:
            with db.session.begin_nested():
                db.session.add(subscription)
        except IntegrityError:
            return  # the same address asked at the same moment: that request mails the link
    token, token_hash = new_token_and_hash()
    subscription.language = language
    subscription.timezone = timezone
    subscription.secret = new_token()
    subscription.confirm_token_hash = token_hash
    subscription.confirm_expires_dt = now + timedelta(
        hours=current_app.config["DIGEST_CONFIRMATION_HOURS"]
    )
    subscription.confirmed_dt = None
    subscription.unsubscribed_dt = None
    db.session.flush()
    _replace_choices(subscription, choices)
    _mail_confirmation(subscription, token)


def _mail_confirmation(subscription: DigestSubscription, token: str) -> None:
    link = absolute_url("following.confirm_subscription", token=token)
    with force_locale(subscription.language):
        subject = _("Confirm your subscription to the events digest")
        body = "\n\n".join(
            (
                _("Someone, probably you, asked for the events digest at this address."),
                _("Confirm it by opening this link: %(link)s", link=link),
                _(
                    "If it was not you, ignore this message: nothing is sent without the "
                    "confirmation."
                ),
            )
        )
    queue_mail(
        subscription.email,
        subject,
        body + "\n",
        kind="digest_confirmation",
        expires_dt=subscription.confirm_expires_dt,
    )


class ConfirmationDead(DomainError):
    """A confirmation link that no longer works; `reason` says why (the page explains it)."""

    status_code = 410

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def subscription_to_confirm(token: str) -> DigestSubscription:
    """The pending subscription a confirmation link is for; ConfirmationDead otherwise:
    "unknown" (never issued, or replaced by a newer one), "used" or "expired"."""
    subscription = db.session.scalar(
        select(DigestSubscription).where(DigestSubscription.confirm_token_hash == hash_token(token))
    )
    if subscription is None:
        raise ConfirmationDead("unknown")
    if subscription.confirmed_dt is not None:
        raise ConfirmationDead("used")
    if subscription.confirm_expires_dt is None or subscription.confirm_expires_dt <= utcnow():
        raise ConfirmationDead("expired")
    return subscription


def confirm_subscription(token: str) -> DigestSubscription:
    subscription = subscription_to_confirm(token)
    subscription.confirmed_dt = utcnow()
    db.session.flush()
    return subscription


def update_subscription(token: str, choices: Choices) -> None:
    kind, subscription = recipient_of_token(token)
    if kind != "subscription" or not subscription.is_active:
        raise LinkRefused(_("This subscription has ended. Subscribe again to get the digest."))
    _replace_choices(subscription, choices)
