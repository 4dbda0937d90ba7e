"""Friendly error pages; a 500 never shows a traceback, and a database outage is a 503 that
needs no database."""

from __future__ import annotations

import sqlite3

import psycopg
from flask import Flask, Response, current_app, g, make_response, render_template, request
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from coordinator import problems
from coordinator.errors import DomainError
from coordinator.extensions import db, login_manager
from coordinator.i18n import lazy_gettext as _l

# Lazy: each page is written in the language of the request that failed.
MESSAGES = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Please go back and try again."),
    ),
    403: (_l("Not allowed"), _l("You do not have permission to do this.")),
    404: (_l("Not found"), _l("There is nothing here. It may have moved or never existed.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    409: (
        _l("Changed meanwhile"),
        _l("Someone changed this at the same time. Reload the page and try again."),
    ),
    413: (
        _l("File too large"),
        _l("The file is larger than this site accepts. Please choose a smaller one."),
    ),
    429: (_l("Too many requests"), _l("You have tried too often. Please wait a few minutes.")),
    500: (
        _l("Something went wrong"),
        _l("We could not complete this request. It has been logged."),
    ),
    503: (
        _l("Temporarily unavailable"),
        _l("The site cannot reach its data at the moment. Please try again in a few minutes."),
    ),
}

# Paths read by programs (calendar clients, feed readers, API clients), which get a plain-text
# error rather than an HTML page. The API is a prefix: every route under it, present or future.
MACHINE_SUFFIXES = (".ics", ".atom", ".json")
MACHINE_PREFIX = "/api/"

# PostgreSQL errors meaning "not reachable now" rather than "this statement failed": connection
# exceptions (class 08), shutdown, crash and start-up (57P01-57P03), too many connections (53300).
# A deadlock (40P01) or a cancelled query (57014) is an OperationalError too, and stays a 500.
_UNAVAILABLE_SQLSTATE_CLASSES = ("08",)
_UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})


def is_machine_path(path: str) -> bool:
    return path.endswith(MACHINE_SUFFIXES) or path.startswith(MACHINE_PREFIX) or path == "/api"


def is_database_unavailable(error: BaseException | None) -> bool:
    """Whether an error means the database cannot be reached now (worth a 503 and a retry),
    rather than a statement that failed (a bug or a conflict, which stays a 500)."""
    if isinstance(error, DBAPIError):
        # SQLAlchemy found the connection dead mid-use (it has dropped it from the pool).
        if error.connection_invalidated:
            return True
        error = error.orig
    if isinstance(error, psycopg.OperationalError):
        # No SQLSTATE: libpq itself failed (connection refused, server closed the connection).
        state = error.sqlstate
        return (
            state is None
            or state.startswith(_UNAVAILABLE_SQLSTATE_CLASSES)
            or state in _UNAVAILABLE_SQLSTATES
        )
    if isinstance(error, sqlite3.OperationalError):
        # The file cannot be opened (its disk or folder is gone), or another process kept the
        # write lock beyond busy_timeout (the embedded database under more load than one
        # writer at a time serves): both pass, so the client is told to retry, not shown a bug.
        code = getattr(error, "sqlite_errorcode", None)
        return code in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_BUSY)
    return False


def describe_error(error: BaseException) -> str:
    """One line for the log: the driver's message, never SQLAlchemy's statement and parameters."""
    cause = error.orig if isinstance(error, DBAPIError) else error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}"


def load_no_user() -> None:
    """Serve the rest of this request as to a visitor who is not signed in, without loading the
    user (which needs the database) and without touching the session."""
    g._login_user = login_manager.anonymous_user()  # Flask-Login's per-request user cache


def unavailable_response() -> Response:
    """503 with Retry-After, built without touching the database: no user is loaded (the page
    shows as to a visitor who is not signed in; the session cookie is kept, so the user is still
    signed in once the database is back) and the language comes from the cookie or the browser."""
    load_no_user()
    refresh()  # the locale chosen earlier in this request, if any, may have failed half-way
    g.locale = str(get_locale())
    if problems.is_api_path(request.path):
        title, message = MESSAGES[503]
        response = problems.problem(503, str(message))
    elif is_machine_path(request.path):
        title, message = MESSAGES[503]
        response = Response(f"503 {title}\n{message}\n", 503, mimetype="text/plain")
    else:
        response = make_response(render_error(503))
    response.headers["Retry-After"] = str(current_app.config["UNAVAILABLE_RETRY_AFTER_SECONDS"])
    response.headers["Cache-Control"] = "no-store"
    return response


def _rollback_quietly() -> None:
    # The connection may be gone: rolling back on it can fail too, and must not hide the 503.
    try:
        db.session.rollback()
    except SQLAlchemyError:
        pass


def render_error(code: int, description: str | None = None):
    title, default = MESSAGES.get(code, (_("Error %(code)s", code=code), ""))
    return render_template(
        "errors/error.html", code=code, title=title, message=description or default
    ), code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400,
            _(
                "Your form expired or was sent from elsewhere. "
                "Please reload the page and try again."
            ),
        )

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        # A Host outside TRUSTED_HOSTS: no URL can be built for it, so no page can be rendered.
        return Response(
            _("This site does not answer to that host name."), 400, mimetype="text/plain"
        )

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        if problems.is_api_path(request.path):
            errors = [{"field": error.field, "message": error.message}] if error.field else []
            # A rule that refuses the input is a 422 in the API (the form's 400 in pages).
            status = 422 if error.status_code == 400 else error.status_code
            return problems.problem(status, error.message, errors=errors)
        return render_error(error.status_code, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if problems.is_api_path(request.path):
            return problems.from_http_exception(error)  # RFC 9457 problem+json
        if is_machine_path(request.path):
            return error
        code = error.code or 500
        description = None if code in MESSAGES else error.description
        return render_error(code, description)

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        if not is_database_unavailable(error):
            raise error  # any other database error is a bug: logged, then the friendly 500
        return database_unavailable(error)

    @app.errorhandler(500)
    def internal_error(error: InternalServerError):
        # An outage noticed outside the view (while finishing the response) ends up here.
        if is_database_unavailable(error.original_exception):
            return database_unavailable(error.original_exception)
        db.session.rollback()
        if problems.is_api_path(request.path):
            return problems.problem(500)
        return render_error(500)


def database_unavailable(error: BaseException) -> Response:
    # One line, not a traceback per request: during an outage every request fails the same way.
    current_app.logger.warning(
        "Database unavailable on %s %s: %s", request.method, request.path, describe_error(error)
    )
    _rollback_quietly()
    return unavailable_response()
