"""Reading what people follow and what they may follow."""

from __future__ import annotations

from sqlalchemy import select

from coordinator import i18n
from coordinator.activities.models import Project, Theme
from coordinator.activities.permissions import can_view_project
from coordinator.extensions import db
from coordinator.following.models import (
    DigestSubscription,
    Follow,
    FollowerSettings,
    FollowKind,
    Period,
)
from coordinator.multilingual import localized
from coordinator.partners.models import Partner


def user_follower(user) -> str:
    return f"user:{user.id}"


def subscription_follower(subscription) -> str:
    return f"subscription:{subscription.id}"


def follows_of(follower: str) -> list[Follow]:
    return list(
        db.session.scalars(
            select(Follow).where(Follow.follower == follower).order_by(Follow.kind, Follow.id)
        )
    )


def followed_keys(follower: str) -> set[tuple[FollowKind, str]]:
    return {(follow.kind, follow.key) for follow in follows_of(follower)}


def is_following(user, kind: FollowKind, key: str) -> bool:
    return (
        db.session.scalar(
            select(Follow.id).where(
                Follow.follower == user_follower(user), Follow.kind == kind, Follow.key == key
            )
        )
        is not None
    )


def find_target(kind: FollowKind, key: str, viewer=None):
    """The partner, theme, project or country code a follow names, or None when there is no
    such thing (or the viewer may not see it)."""
    if kind == FollowKind.COUNTRY:
        code = key.upper()
        return code if i18n.is_country_code(code) else None
    if not key.isdigit() or len(key) > 12:
        return None
    target_id = int(key)
    if kind == FollowKind.PARTNER:
        partner = db.session.get(Partner, target_id)
        return partner if partner is not None and partner.is_active else None
    if kind == FollowKind.THEME:
        theme = db.session.get(Theme, target_id)
        return theme if theme is not None and theme.is_active else None
    project = db.session.get(Project, target_id)
    return project if project is not None and can_view_project(viewer, project) else None


def target_name(kind: FollowKind, target, language: str | None = None) -> str:
    """What a followed thing is called in `language` (default: the current one): a country's
    name as the language writes it, a partner's, theme's or project's translation when there is
    one (else its original)."""
    if kind == FollowKind.COUNTRY:
        return i18n.country_name(target)
    field = "title" if kind == FollowKind.PROJECT else "name"
    return localized(target, field, language).text


def described_follows(follower: str, viewer=None) -> list[tuple[Follow, str]]:
    """The follows with the name of what each follows, those gone (a partner deactivated)
    left out, sorted by kind then name."""
    described = []
    for follow in follows_of(follower):
        target = find_target(follow.kind, follow.key, viewer)
        if target is not None:
            described.append((follow, target_name(follow.kind, target)))
    order = list(FollowKind)
    described.sort(key=lambda pair: (order.index(pair[0].kind), i18n.collation_key(pair[1])))
    return described


def digest_period_of(user) -> Period | None:
    """How often the user gets the digest of what they follow: daily unless they chose."""
    settings = db.session.get(FollowerSettings, user.id)
    return Period.DAILY if settings is None else settings.period


def active_partner_choices() -> list[tuple[int, str]]:
    partners = db.session.scalars(select(Partner).where(Partner.is_active)).all()
    return sorted(((p.id, p.name) for p in partners), key=lambda c: i18n.collation_key(c[1]))


def active_theme_choices() -> list[tuple[int, str]]:
    themes = db.session.scalars(select(Theme).where(Theme.is_active)).all()
    return sorted(((t.id, t.name) for t in themes), key=lambda c: i18n.collation_key(c[1]))


def preferences_secret(kind: str, record_id: int) -> str | None:
    """The secret behind a recipient's signed links (None: no such recipient, or no links):
    a subscription's own, or a user's from their follower settings."""
    if kind == "subscription":
        subscription = db.session.get(DigestSubscription, record_id)
        return subscription.secret if subscription is not None else None
    if kind == "user":
        settings = db.session.get(FollowerSettings, record_id)
        return settings.secret if settings is not None else None
    return None


def theme_by_slug(slug: str) -> Theme | None:
    return db.session.scalar(select(Theme).where(Theme.slug == slug, Theme.is_active))
