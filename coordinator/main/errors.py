"""Friendly error pages; a 500 never shows a traceback."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from coordinator.errors import DomainError
from coordinator.extensions import db

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Please go back and try again."),
    403: ("Not allowed", "You do not have permission to do this."),
    404: ("Not found", "There is nothing here. It may have moved or never existed."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    409: ("Changed meanwhile", "Someone changed this at the same time. Reload the page and try again."),
    413: ("File too large", "The file is larger than this site accepts. Please choose a smaller one."),
    429: ("Too many requests", "You have tried too often. Please wait a few minutes."),
    500: ("Something went wrong", "We could not complete this request. It has been logged."),
}


def render_error(code: int, description: str | None = None):
    title, default = MESSAGES.get(code, (f"Error {code}", ""))
    return render_template("errors/error.html", code=code, title=title,
                           message=description or default), code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, "Your form expired or was sent from elsewhere. "
                                 "Please reload the page and try again.")

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
