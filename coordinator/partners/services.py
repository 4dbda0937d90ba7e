"""Every state change of partners and partner groups. Services only flush; views commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import available_timezones

from flask_babel import gettext as _
from sqlalchemy import select

from coordinator.audit.models import record
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.multilingual import UnsupportedLanguage, offered_languages, set_translations
from coordinator.partners.models import Partner, PartnerGroup, PartnerTranslation
from coordinator.slugs import slugify

# Paths under /partners/ that a slug must not shadow.
RESERVED_SLUGS = frozenset({"new", "groups", "index"})


@dataclass
class PartnerData:
    name: str
    acronym: str
    slug: str = ""
    kind: str = ""
    city: str = ""
    country: str = ""
    timezone: str = "UTC"
    website: str = ""
    summary: str = ""
    group_ids: list[int] = field(default_factory=list)
    # The original's language ("" keeps it) and the name and summary in other languages.
    language: str = ""
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


def _slug_taken(slug: str, exclude_id: int | None = None) -> bool:
    query = select(Partner.id).where(Partner.slug == slug)
    if exclude_id is not None:
        query = query.where(Partner.id != exclude_id)
    return db.session.scalar(query) is not None


def _free_slug(base: str) -> str:
    slug, number = base, 2
    while _slug_taken(slug) or slug in RESERVED_SLUGS:
        suffix = f"-{number}"
        slug = base[: 80 - len(suffix)] + suffix
        number += 1
    return slug


def _apply(partner: Partner, data: PartnerData, actor) -> None:
    if data.timezone not in available_timezones():
        raise DomainError(_("Choose a time zone from the list."), field="timezone")
    if len(data.country) != 2 or not data.country.isalpha():
        raise DomainError(_("Choose a country from the list."), field="country")
    groups = db.session.scalars(
        select(PartnerGroup).where(PartnerGroup.id.in_(data.group_ids))
    ).all()
    if len(groups) != len(set(data.group_ids)):
        raise DomainError(_("Choose groups from the list."), field="groups")
    partner.name = data.name
    partner.acronym = data.acronym
    partner.kind = data.kind
    partner.city = data.city
    partner.country = data.country.upper()
    partner.timezone = data.timezone
    partner.website = data.website
    partner.summary = data.summary
    partner.groups = sorted(groups, key=lambda group: group.name)
    _apply_languages(partner, data, actor)


def _apply_languages(partner: Partner, data: PartnerData, actor) -> None:
    """The original's language and the translations of the long name and the summary."""
    if data.language:
        if data.language not in offered_languages():
            raise DomainError(_("Choose a language from the list."), field="language")
        if data.language != partner.language:
            partner.language = data.language
            partner.translations = [r for r in partner.translations if r.language != data.language]
    try:
        set_translations(partner, data.translations, actor, PartnerTranslation)
    except UnsupportedLanguage as error:
        raise DomainError(
            _("“%(code)s” is not a language this site offers.", code=error.language[:20]),
            field="translations",
        ) from None


def _chosen_slug(data: PartnerData, exclude_id: int | None) -> str:
    slug = data.slug
    if slug in RESERVED_SLUGS:
        raise DomainError(_("“%(slug)s” is reserved; choose another.", slug=slug), field="slug")
    if _slug_taken(slug, exclude_id):
        raise DomainError(_("Another partner already uses this address name."), field="slug")
    return slug


def create_partner(actor, data: PartnerData) -> Partner:
    """Add a partner; the slug comes from the acronym unless one is given."""
    slug = _chosen_slug(data, None) if data.slug else _free_slug(slugify(data.acronym))
    partner = Partner(slug=slug)
    _apply(partner, data, actor)
    db.session.add(partner)
    db.session.flush()
    record(actor=actor, subject_type="partner", subject_id=partner.id, action="create")
    return partner


def update_partner(actor, partner: Partner, data: PartnerData) -> None:
    """Edit a partner; an empty slug keeps the current one."""
    if data.slug and data.slug != partner.slug:
        partner.slug = _chosen_slug(data, partner.id)
    _apply(partner, data, actor)
    db.session.flush()
    record(actor=actor, subject_type="partner", subject_id=partner.id, action="update")


def set_partner_active(actor, partner: Partner, active: bool) -> None:
    """Deactivate (hide from the directory, no new invitations) or reactivate a partner."""
    if partner.is_coordinator and not active:
        raise DomainError(_("The coordinating network cannot be deactivated."))
    if partner.is_active == active:
        raise DomainError(
            _("The partner is already active.")
            if active
            else _("The partner is already deactivated.")
        )
    partner.is_active = active
    db.session.flush()
    record(
        actor=actor,
        subject_type="partner",
        subject_id=partner.id,
        action="reactivate" if active else "deactivate",
        from_state="deactivated" if active else "active",
        to_state="active" if active else "deactivated",
    )


def create_group(actor, name: str) -> PartnerGroup:
    """Add a partner group such as "CMI Urban Hub"."""
    slug = slugify(name, max_length=200)
    taken = db.session.scalar(
        select(PartnerGroup.id).where((PartnerGroup.name == name) | (PartnerGroup.slug == slug))
    )
    if taken is not None:
        raise DomainError(_("A group with this name already exists."), field="name")
    group = PartnerGroup(name=name, slug=slug)
    db.session.add(group)
    db.session.flush()
    record(actor=actor, subject_type="partner_group", subject_id=group.id, action="create")
    return group
