"""iCalendar and Atom feeds."""

from flask import Blueprint

bp = Blueprint("feeds", __name__)


@bp.record_once
def _configure(state) -> None:
    from coordinator.feeds.services import init_config

    init_config(state.app)
