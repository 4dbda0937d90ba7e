"""Partner institutions of the network and the groups they form."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.db import UTCDateTime, utcnow
from coordinator.extensions import db
from coordinator.multilingual import TranslatableMixin, TranslationMixin, localized

if TYPE_CHECKING:
    from coordinator.accounts.models import User

partner_group_members = Table(
    "partner_group_members",
    db.metadata,
    Column("partner_id", ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("partner_groups.id", ondelete="CASCADE"), primary_key=True),
)


class PartnerGroup(db.Model):
    __tablename__ = "partner_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)

    partners: Mapped[list[Partner]] = relationship(
        secondary=partner_group_members, back_populates="groups", order_by="Partner.name"
    )


class PartnerTranslation(TranslationMixin, db.Model):
    __tablename__ = "partner_translations"
    FIELDS = ("name", "summary")

    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")


class Partner(TranslatableMixin, db.Model):
    __tablename__ = "partners"
    TRANSLATABLE = PartnerTranslation.FIELDS

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    acronym: Mapped[str] = mapped_column(String(40))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(100), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    country: Mapped[str] = mapped_column(String(2), default="")  # ISO 3166-1 alpha-2
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")  # IANA name
    website: Mapped[str] = mapped_column(String(500), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    # The coordinating network (MedCities) whose staff review proposals.
    is_coordinator: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    groups: Mapped[list[PartnerGroup]] = relationship(
        secondary=partner_group_members, back_populates="partners", order_by=PartnerGroup.name
    )
    focal_points: Mapped[list[User]] = relationship(back_populates="partner")
    translations: Mapped[list[PartnerTranslation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=PartnerTranslation.language
    )

    def __repr__(self) -> str:
        return f"<Partner {self.slug}>"

    @property
    def display_name(self) -> str:
        """The long form as written (the original's language, whatever the request's): feeds
        and exports without a language stay byte-stable. Pages use `display_name_in`."""
        return self._long_form(self.name)

    def display_name_in(self, language: str | None = None) -> str:
        """The long form in `language` (default: the page's) when a translation has the name,
        else the original's; for <option>s and attributes, where no marker fits."""
        return self._long_form(localized(self, "name", language).text)

    def short_name_in(self, language: str | None = None) -> str:
        """The acronym (the same in every language), else the name in `language`."""
        return self.acronym or localized(self, "name", language).text

    def _long_form(self, name: str) -> str:
        if self.acronym and self.acronym != name:
            return f"{name} ({self.acronym})"
        return name
