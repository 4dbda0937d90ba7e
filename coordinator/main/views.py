"""The home page, and the liveness and readiness probes."""

from __future__ import annotations

from flask import current_app, jsonify, render_template, request
from flask_login import current_user
from sqlalchemy import select

from coordinator.access import public
from coordinator.activities import inbox
from coordinator.db import utcnow
from coordinator.extensions import db
from coordinator.main import bp
from coordinator.main.errors import load_no_user
from coordinator.main.health import run_readiness_checks
from coordinator.partners.models import Partner

# Probes answer the same to everyone, so they never load the signed-in user (that needs the
# database): a browser's session cookie must not turn /healthz into a database check.
PROBES = frozenset({"main.healthz", "main.readyz"})


def _probes_load_no_user() -> None:
    if request.endpoint in PROBES:
        load_no_user()


@bp.record_once
def _register_probe_hook(state) -> None:
    # First of the app's before_request hooks: the locale choice, until now the first, reads
    # the signed-in user.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _probes_load_no_user)


@bp.route("/")
@public
def index():
    """Signed-in users' task inbox, then the next events (with the network feed) for all."""
    user = current_user._get_current_object()
    partners = db.session.scalars(
        select(Partner).where(Partner.is_active).order_by(Partner.name)
    ).all()
    return render_template(
        "main/index.html",
        partners=partners,
        inbox=inbox.inbox_for(user),
        next_events=inbox.next_events(user),
        now=utcnow(),
    )


@bp.route("/healthz")
@public
def healthz():
    """Liveness: the process answers. It needs nothing else, so a database outage never gets
    healthy workers restarted (that is /readyz's business)."""
    return {"status": "ok"}


@bp.route("/readyz")
@public
def readyz():
    """Readiness: 200 when every dependency answers, else 503 naming those that did not."""
    results = run_readiness_checks()
    failed = [name for name, passed in results.items() if not passed]
    response = jsonify(
        status="unavailable" if failed else "ready",
        checks={name: "ok" if passed else "failed" for name, passed in results.items()},
        failed=failed,
    )
    response.headers["Cache-Control"] = "no-store"
    if failed:
        response.status_code = 503
        response.headers["Retry-After"] = str(current_app.config["UNAVAILABLE_RETRY_AFTER_SECONDS"])
    return response
