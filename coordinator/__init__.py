"""coordinator: the joint-activities platform of an alliance of institutions."""

from __future__ import annotations

from flask import Flask

from coordinator.config import configure


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
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
    from coordinator import access, mail, security
    from coordinator.accounts.session import init_login
    from coordinator.extensions import csrf, db, init_limiter, migrate

    import_models()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    init_limiter(app)
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
    from coordinator.accounts import models as _accounts  # noqa: F401
    from coordinator.activities import models as _activities  # noqa: F401
    from coordinator.audit import models as _audit  # noqa: F401
    from coordinator.jobs import models as _jobs  # noqa: F401
    from coordinator.mail import OutgoingMessage as _outgoing  # noqa: F401
    from coordinator.partners import models as _partners  # noqa: F401

    try:
        from coordinator.documents import models as _documents  # noqa: F401
    except ImportError:
        pass
    try:
        from coordinator.feeds import models as _feeds  # noqa: F401
    except ImportError:
        pass


def register_converters(app: Flask) -> None:
    from coordinator import converters

    converters.register(app)


def register_blueprints(app: Flask) -> None:
    from coordinator.accounts.views import bp as accounts_bp
    from coordinator.activities.views import bp as activities_bp
    from coordinator.calendar.views import bp as calendar_bp
    from coordinator.documents.views import bp as documents_bp
    from coordinator.feeds.views import bp as feeds_bp
    from coordinator.insight.views import bp as insight_bp
    from coordinator.main.views import bp as main_bp
    from coordinator.partners.views import bp as partners_bp

    for blueprint in (main_bp, accounts_bp, partners_bp, activities_bp, feeds_bp, documents_bp,
                      calendar_bp, insight_bp):
        app.register_blueprint(blueprint)
    from coordinator.mail.views import bp as mail_bp

    app.register_blueprint(mail_bp)
    from coordinator.jobs.views import bp as jobs_bp

    app.register_blueprint(jobs_bp)


def register_errorhandlers(app: Flask) -> None:
    from coordinator.main.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from coordinator.cli import register

    register(app)
