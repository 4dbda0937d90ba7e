"""Partner institutions of the network and the groups they form."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.db import UTCDateTime, utcnow
from coordinator.extensions import db
from coordinator.multilingual import TranslatableMixin, TranslationMixin

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
        if self.acronym and self.acronym != self.name:
            return f"{self.name} ({self.acronym})"
        return self.name
