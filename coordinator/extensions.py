"""Extensions, created without an app and bound in create_app()."""

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from coordinator.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
# Request-rate limits (private feed addresses). Storage comes from RATELIMIT_STORAGE_URI:
# memory:// for one process, redis:// when several workers must share the counts. When that
# storage cannot be reached, each process counts in memory (Flask-Limiter logs a warning) and
# goes back to it once it answers again: a Redis outage must not take the feeds down with it.
limiter = Limiter(key_func=get_remote_address, in_memory_fallback_enabled=True)


def init_limiter(app: Flask) -> None:
    limiter.init_app(app)
    # The limiter is one object per process: an app bound to it starts with its own storage
    # presumed alive, not with the verdict of an app bound earlier (tests build many apps).
    limiter._storage_dead = False
    manager = limiter.limit_manager
    if manager.default_limits or manager.application_limits or app.config.get("RATELIMIT_META"):
        return
    # Every limit here is declared on its view (@limiter.limit), whose wrapper checks it. With no
    # site-wide limit the limiter's before_request pass finds nothing on any route, yet costs
    # every request its blueprint and exemption lookups (measured by bench/feed.py).
    app.before_request_funcs[None].remove(limiter._check_request_limit)
