"""The home page."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from coordinator.access import public
from coordinator.extensions import db
from coordinator.partners.models import Partner

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def index():
    partners = db.session.scalars(
        select(Partner).where(Partner.is_active).order_by(Partner.name)
    ).all()
    return render_template("main/index.html", partners=partners)


@bp.route("/healthz")
@public
def healthz():
    return {"status": "ok"}
