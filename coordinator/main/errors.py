"""Friendly error pages; a 500 never shows a traceback."""

from __future__ import annotations

from flask import Flask, Response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from coordinator.errors import DomainError
from coordinator.extensions import db

# Lazy: each page is written in the language of the request that failed.
MESSAGES = {
    400: (_l("Bad request"),
          _l("The request could not be understood. Please go back and try again.")),
    403: (_l("Not allowed"), _l("You do not have permission to do this.")),
    404: (_l("Not found"), _l("There is nothing here. It may have moved or never existed.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    409: (_l("Changed meanwhile"),
          _l("Someone changed this at the same time. Reload the page and try again.")),
    413: (_l("File too large"),
          _l("The file is larger than this site accepts. Please choose a smaller one.")),
    429: (_l("Too many requests"), _l("You have tried too often. Please wait a few minutes.")),
    500: (_l("Something went wrong"),
          _l("We could not complete this request. It has been logged.")),
}


def render_error(code: int, description: str | None = None):
    title, default = MESSAGES.get(code, (_("Error %(code)s", code=code), ""))
    return render_template("errors/error.html", code=code, title=title,
                           message=description or default), code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _("Your form expired or was sent from elsewhere. "
                                   "Please reload the page and try again."))

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        # A Host outside TRUSTED_HOSTS: no URL can be built for it, so no page can be rendered.
        return Response(_("This site does not answer to that host name."), 400,
                        mimetype="text/plain")

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        return render_error(error.status_code, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.endswith((".ics", ".atom", ".json")):
            return error
        code = error.code or 500
        description = None if code in MESSAGES else error.description
        return render_error(code, description)

    @app.errorhandler(500)
    def internal_error(error):
        db.session.rollback()
        return render_error(500)
