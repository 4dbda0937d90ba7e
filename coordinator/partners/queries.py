"""Read queries of the partner directory."""

from __future__ import annotations

import functools

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from coordinator.extensions import db
from coordinator.partners.models import Partner, PartnerGroup


def partner_by_slug(slug: str, *, with_groups: bool = False) -> Partner | None:
    """The partner; `with_groups` joins its groups and translations (what its page shows)
    to the same statement rather than loading each by a statement of its own."""
    return db.session.scalars(_partner_statement(with_groups), {"slug": slug}).unique().first()


@functools.cache
def _partner_statement(with_groups: bool) -> Select:
    """partner_by_slug's statement (the slug bound as `slug`), built once: on the partner's
    page, building the options and the statement's cache key cost more than running it."""
    query = select(Partner).where(Partner.slug == bindparam("slug"))
    if with_groups:
        query = query.options(joinedload(Partner.groups), joinedload(Partner.translations))
    return query


def active_partners() -> list[Partner]:
    """The active partners by name (choices of forms and filters)."""
    return list(db.session.scalars(select(Partner).where(Partner.is_active).order_by(Partner.name)))


def directory(include_inactive: bool) -> list[Partner]:
    """The partner directory: active partners first, the coordinator first among them."""
    query = select(Partner).options(selectinload(Partner.groups))
    if not include_inactive:
        query = query.where(Partner.is_active)
    return list(
        db.session.scalars(
            query.order_by(Partner.is_active.desc(), Partner.is_coordinator.desc(), Partner.name)
        )
    )


def group_choices() -> list[tuple[int, str]]:
    groups = db.session.scalars(select(PartnerGroup).order_by(PartnerGroup.name)).all()
    return [(group.id, group.name) for group in groups]
