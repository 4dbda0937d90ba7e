"""coordinator: the joint-activities platform of an alliance of institutions."""

from __future__ import annotations

from flask import Flask

from coordinator import urls
from coordinator.config import configure, instance_path_setting


def create_app(test_config: dict | None = None) -> Flask:
    app = urls.Flask(
        __name__,
        instance_path=instance_path_setting(test_config),
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    configure(app, test_config)
    # Imported here: gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR before the first import of
    # prometheus_client, which reads it once.
    from coordinator import logs, metrics

    logs.init_app(app)
    metrics.init_app(app)
    register_extensions(app)
    register_converters(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from coordinator import access, mail, security, sharedcache
    from coordinator.accounts.session import init_login
    from coordinator.db import end_reading_transaction, ping_after_idle
    from coordinator.extensions import csrf, db, init_limiter, migrate
    from coordinator.sessions import SessionCookies

    import_models()
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            ping_after_idle(engine, float(app.config["DATABASE_PING_AFTER_IDLE_SECONDS"]))

    # Registered after Flask-SQLAlchemy's: teardowns run last-registered first, so a request
    # that only read commits before its session is removed (and rolled back).
    @app.teardown_appcontext
    def _end_reading_transaction(error: BaseException | None) -> None:
        # A request that never opened a session (a probe, a cached page) gets none made here.
        if error is None and db.session.registry.has():
            end_reading_transaction(db.session())

    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    app.session_interface = SessionCookies()
    csrf.init_app(app)
    init_limiter(app)
    sharedcache.init_app(app)
    init_login(app)
    access.init_app(app)
    mail.init_app(app)
    from coordinator import jobs

    jobs.init_app(app)
    security.init_app(app)
    from coordinator import templating

    templating.init_app(app)
    from coordinator import i18n

    i18n.init_app(app)


def import_models() -> None:
    """Import every model module so metadata (and Alembic) sees all tables."""
    from coordinator import dataversion as _dataversion  # noqa: F401
    from coordinator.accounts import models as _accounts  # noqa: F401
    from coordinator.accounts import notices as _notices  # noqa: F401
    from coordinator.activities import models as _activities  # noqa: F401
    from coordinator.activities import versions as _versions  # noqa: F401 (sets the rule)
    from coordinator.api import models as _api  # noqa: F401
    from coordinator.audit import models as _audit  # noqa: F401
    from coordinator.calendars import models as _calendars  # noqa: F401
    from coordinator.documents import models as _documents  # noqa: F401
    from coordinator.feeds import models as _feeds  # noqa: F401
    from coordinator.following import models as _following  # noqa: F401
    from coordinator.jobs import models as _jobs  # noqa: F401
    from coordinator.mail import OutgoingMessage as _outgoing  # noqa: F401
    from coordinator.partners import models as _partners  # noqa: F401


def register_converters(app: Flask) -> None:
    from coordinator import converters

    converters.register(app)


def register_blueprints(app: Flask) -> None:
    """Each domain package defines its blueprint in its __init__.py; its views add the routes."""
    from coordinator import (
        accounts,
        activities,
        calendar,
        calendars,
        documents,
        feeds,
        following,
        insight,
        jobs,
        mail,
        main,
        partners,
    )

    import_views()
    packages = (
        main,
        accounts,
        partners,
        activities,
        feeds,
        documents,
        calendar,
        calendars,
        insight,
        mail,
        jobs,
        following,
    )
    for package in packages:
        app.register_blueprint(package.bp)
    from coordinator import api

    api.init_app(app)  # the JSON API registers through flask-smorest, which documents it


def import_views() -> None:
    """Import every views module, so each blueprint carries its routes when registered."""
    from coordinator.accounts import views as _accounts  # noqa: F401
    from coordinator.activities import views as _activities  # noqa: F401
    from coordinator.calendar import views as _calendar  # noqa: F401
    from coordinator.calendars import views as _calendars  # noqa: F401
    from coordinator.documents import views as _documents  # noqa: F401
    from coordinator.feeds import views as _feeds  # noqa: F401
    from coordinator.following import views as _following  # noqa: F401
    from coordinator.insight import views as _insight  # noqa: F401
    from coordinator.jobs import views as _jobs  # noqa: F401
    from coordinator.mail import views as _mail  # noqa: F401
    from coordinator.main import views as _main  # noqa: F401
    from coordinator.partners import views as _partners  # noqa: F401


def register_errorhandlers(app: Flask) -> None:
    from coordinator.main.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from coordinator.cli import register

    register(app)
