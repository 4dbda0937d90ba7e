"""The partner directory and each partner's page."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coordinator.access import public
from coordinator.extensions import db
from coordinator.partners.models import Partner

bp = Blueprint("partners", __name__, url_prefix="/partners")


def get_partner_or_404(slug: str) -> Partner:
    partner = db.session.scalar(select(Partner).where(Partner.slug == slug))
    if partner is None:
        abort(404)
    return partner


@bp.route("/")
@public
def index():
    partners = db.session.scalars(
        select(Partner)
        .where(Partner.is_active)
        .options(selectinload(Partner.groups))
        .order_by(Partner.is_coordinator.desc(), Partner.name)
    ).all()
    return render_template("partners/index.html", partners=partners)


@bp.route("/<slug>")
@public
def show(slug: str):
    partner = get_partner_or_404(slug)
    return render_template("partners/show.html", partner=partner)
