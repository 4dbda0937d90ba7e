"""The demo network: every partner of partners.json, themes, a staff account and a focal point each.

Demo passwords are public, so loading refuses to touch a database with real accounts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import select

from coordinator.accounts.models import Role, User
from coordinator.accounts.passwords import hash_password
from coordinator.activities.models import Theme, ThemeTranslation
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.multilingual import set_translations
from coordinator.partners.models import Partner, PartnerGroup, PartnerTranslation
from coordinator.slugs import slugify

DEMO_PASSWORD = "demo-network-2026"
DEMO_EMAIL_DOMAIN = "demo.coordinator.test"
STAFF_EMAIL = f"staff@{DEMO_EMAIL_DOMAIN}"
ADMIN_EMAIL = f"admin@{DEMO_EMAIL_DOMAIN}"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    partner: str


def demo_data() -> dict:
    return json.loads(resources.files("coordinator.demo").joinpath("partners.json").read_text())


def focal_point_email(partner_slug: str) -> str:
    return f"{partner_slug}@{DEMO_EMAIL_DOMAIN}"


def _upsert_partner(
    entry: dict,
    is_coordinator: bool,
    groups: dict[str, PartnerGroup],
    translations: dict[str, dict[str, str]],
) -> Partner:
    slug = slugify(entry["acronym"])
    partner = db.session.scalar(select(Partner).where(Partner.slug == slug))
    if partner is None:
        partner = Partner(slug=slug)
        db.session.add(partner)
    partner.name = entry["name"]
    partner.acronym = entry["acronym"]
    partner.kind = entry.get("kind", "")
    partner.city = entry.get("city", "")
    partner.country = entry.get("country", "")
    partner.timezone = entry.get("timezone", "UTC")
    partner.website = entry.get("website", "")
    partner.summary = entry.get("summary", "")
    partner.is_coordinator = is_coordinator
    partner.groups = [groups[name] for name in entry.get("groups", [])]
    set_translations(partner, translations, None, PartnerTranslation)
    return partner


def _ensure_user(
    email: str, name: str, role: Role, partner: Partner | None, password_hash: str
) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(
            email=email,
            name=name,
            role=role,
            partner=partner,
            password_hash=password_hash,
            is_demo=True,
        )
        db.session.add(user)
    return user


def load_demo_network() -> list[DemoLogin]:
    """Create or refresh the demo network; returns the demo logins."""
    real_accounts = db.session.scalar(select(User.id).where(User.is_demo.is_(False)).limit(1))
    if real_accounts is not None:
        raise DomainError(
            "This database holds real (non-demo) accounts; the demo network, whose "
            "passwords are public, will not be loaded into it."
        )
    data = demo_data()
    group_names = {name for entry in data["partners"] for name in entry.get("groups", [])}
    groups: dict[str, PartnerGroup] = {}
    for name in sorted(group_names):
        group = db.session.scalar(select(PartnerGroup).where(PartnerGroup.name == name))
        if group is None:
            group = PartnerGroup(name=name, slug=slugify(name))
            db.session.add(group)
        groups[name] = group

    theme_names = data.get("theme_translations", {})
    for name in data.get("themes", []):
        theme = db.session.scalar(select(Theme).where(Theme.name == name))
        if theme is None:
            theme = Theme(name=name, slug=slugify(name))
            db.session.add(theme)
        # Every theme in all four languages (the same names as migration e5f2b8c4a917).
        translations = {lang: {"name": text} for lang, text in theme_names.get(name, {}).items()}
        set_translations(theme, translations, None, ThemeTranslation)

    # MedCities leads activities of its own, so it has a focal point who proposes them.
    partners = [
        _upsert_partner(data["coordinator"], True, groups, {}),
        *(
            _upsert_partner(
                entry, False, groups, data.get("partner_translations", {}).get(entry["acronym"], {})
            )
            for entry in data["partners"]
        ),
    ]
    db.session.flush()

    password_hash = hash_password(DEMO_PASSWORD)
    logins = [
        DemoLogin(ADMIN_EMAIL, "admin", "MedCities"),
        DemoLogin(STAFF_EMAIL, "staff", "MedCities"),
    ]
    _ensure_user(ADMIN_EMAIL, "Ada Admin", Role.ADMIN, None, password_hash)
    _ensure_user(STAFF_EMAIL, "Sam Staff", Role.STAFF, None, password_hash)
    for partner in partners:
        email = focal_point_email(partner.slug)
        _ensure_user(
            email, f"{partner.acronym} focal point", Role.FOCAL_POINT, partner, password_hash
        )
        logins.append(DemoLogin(email, "focal_point", partner.acronym))
    db.session.flush()
    return logins
